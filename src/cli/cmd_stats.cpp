// `strata stats`: sizes and ratios of the repository.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/tier_report.h"
#include "repo/snapshot.h"

namespace strata::cli {

void register_stats(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto* cmd = app.add_subcommand("stats", "show repository sizes, dedup and compression ratios");
  mark_reading(*cmd);
  auto by_tier = std::make_shared<bool>(false);
  cmd->add_flag("--by-tier", *by_tier, "bytes, objects and monthly cost per storage class and dataset");
  cmd->callback([&g, &exit_code, by_tier] {
    apply_environment(g);
    const config::ConfigFile& cfg = *g.file;
    auto repo = open_repository(g);
    repo->load_index();
    auto snaps = load_snapshots_or_warn(*repo);
    if (*by_tier) {
      print_tier_stats(g, *repo, snaps, cfg.lifecycle);
      exit_code = 0;
      return;
    }
    uint64_t logical = 0;
    for (const auto& s : snaps) logical += s.summary.bytes_total;
    uint64_t raw = 0, raw_all = 0, data_blobs = 0, tree_blobs = 0;
    repo->index().for_each([&](const repo::BlobId&, const repo::BlobLocation& loc) {
      raw_all += loc.raw_len;
      if (loc.type == repo::BlobType::data) {
        raw += loc.raw_len;
        data_blobs++;
      } else {
        tree_blobs++;
      }
    });
    uint64_t stored = 0, packs = 0;
    for (const auto& o : repo->backend().list("data")) {
      stored += o.size;
      packs++;
    }
    double dedup = raw ? static_cast<double>(logical) / static_cast<double>(raw) : 0;
    double compression = stored ? static_cast<double>(raw_all) / static_cast<double>(stored) : 0;
    if (g.json) {
      nlohmann::json j = {{"snapshots", snaps.size()},   {"logical_size", logical},
                          {"unique_size", raw},          {"unique_size_with_trees", raw_all},          {"stored_size", stored},
                          {"dedup_ratio", dedup},        {"compression_ratio", compression},
                          {"packs", packs},              {"data_blobs", data_blobs},
                          {"tree_blobs", tree_blobs},    {"index_files", repo->loaded_index_files().size()}};
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("Snapshots:          %zu\n", snaps.size());
      std::printf("Logical size:       %s (all files of all snapshots)\n", format_bytes(logical).c_str());
      std::printf("Unique data:        %s (file data after deduplication)\n", format_bytes(raw).c_str());
      std::printf("Stored size:        %s (after compression and encryption)\n", format_bytes(stored).c_str());
      std::printf("Dedup ratio:        %.2fx\n", dedup);
      std::printf("Compression ratio:  %.2fx\n", compression);
      std::printf("Total saving:       %.2fx (%llu packs, %llu data blobs, %llu tree blobs)\n",
                  stored ? static_cast<double>(logical) / static_cast<double>(stored) : 0.0,
                  static_cast<unsigned long long>(packs), static_cast<unsigned long long>(data_blobs),
                  static_cast<unsigned long long>(tree_blobs));
    }
    exit_code = 0;
  });
}

}  // namespace strata::cli
