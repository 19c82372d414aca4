// `strata stats`: sizes and ratios of the repository.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/tier_report.h"
#include "app/stats.h"
#include "common/time_util.h"

namespace strata::cli {
namespace {

void print_stats(const GlobalOptions& g, const app::RepositoryStats& s) {
  if (g.json) {
    nlohmann::json j = {{"snapshots", s.snapshots},
                        {"logical_size", s.logical_size},
                        {"unique_size", s.unique_size},
                        {"unique_size_with_trees", s.unique_size_with_trees},
                        {"stored_size", s.stored_size},
                        {"dedup_ratio", s.dedup_ratio()},
                        {"compression_ratio", s.compression_ratio()},
                        {"packs", s.packs},
                        {"data_blobs", s.data_blobs},
                        {"tree_blobs", s.tree_blobs},
                        {"index_files", s.index_files}};
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("Snapshots:          %llu\n", static_cast<unsigned long long>(s.snapshots));
  std::printf("Logical size:       %s (all files of all snapshots)\n", format_bytes(s.logical_size).c_str());
  std::printf("Unique data:        %s (file data after deduplication)\n", format_bytes(s.unique_size).c_str());
  std::printf("Stored size:        %s (after compression and encryption)\n", format_bytes(s.stored_size).c_str());
  std::printf("Dedup ratio:        %.2fx\n", s.dedup_ratio());
  std::printf("Compression ratio:  %.2fx\n", s.compression_ratio());
  std::printf("Total saving:       %.2fx (%llu packs, %llu data blobs, %llu tree blobs)\n", s.total_saving(),
              static_cast<unsigned long long>(s.packs), static_cast<unsigned long long>(s.data_blobs),
              static_cast<unsigned long long>(s.tree_blobs));
}

}  // namespace

void register_stats(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto* cmd = app.add_subcommand("stats", "show repository sizes, dedup and compression ratios");
  mark_reading(*cmd);
  auto by_tier = std::make_shared<bool>(false);
  cmd->add_flag("--by-tier", *by_tier, "bytes, objects and monthly cost per storage class and dataset");
  cmd->callback([&g, &exit_code, by_tier] {
    apply_environment(g);
    auto repo = open_repository(g);
    repo->load_index();
    auto snaps = app::load_snapshots_logged(*repo);
    if (*by_tier) {
      print_tier_stats(g, app::tier_stats(*repo, snaps, g.file->lifecycle));
      exit_code = 0;
      return;
    }
    print_stats(g, app::repository_stats(*repo, snaps));
    exit_code = 0;
  });
}

}  // namespace strata::cli
