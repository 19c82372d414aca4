// `strata prune`: remove data no snapshot references (exclusive lock).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/number_option.h"
#include "config/ranges.h"
#include "cli/commands.h"
#include "app/forget.h"

namespace strata::cli {

void print_prune_report(const GlobalOptions& g, const repo::PruneReport& r, bool dry_run) {
  if (g.json) {
    nlohmann::json j = {{"packs_total", r.packs_total},       {"packs_deleted", r.packs_deleted},
                        {"packs_repacked", r.packs_repacked}, {"packs_unindexed_deleted", r.packs_unindexed_deleted},
                        {"blobs_used", r.blobs_used},         {"blobs_unused", r.blobs_unused},
                        {"bytes_before", r.bytes_before},     {"bytes_freed", r.bytes_freed},
                        {"bytes_repacked", r.bytes_repacked}, {"dry_run", dry_run}};
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  if (g.quiet) return;
  std::printf("%s%llu of %llu blobs unused; %llu pack(s) %s, %llu repacked (%s copied), %llu unindexed pack(s) %s\n",
              dry_run ? "dry run: " : "", static_cast<unsigned long long>(r.blobs_unused),
              static_cast<unsigned long long>(r.blobs_used + r.blobs_unused),
              static_cast<unsigned long long>(r.packs_deleted), dry_run ? "to delete" : "deleted",
              static_cast<unsigned long long>(r.packs_repacked), format_bytes(r.bytes_repacked).c_str(),
              static_cast<unsigned long long>(r.packs_unindexed_deleted), dry_run ? "to delete" : "deleted");
  std::printf("%s %s of %s\n", dry_run ? "would free" : "freed", format_bytes(r.bytes_freed).c_str(),
              format_bytes(r.bytes_before).c_str());
}

void register_prune(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto request = std::make_shared<app::PruneRequest>();
  auto* opts = &request->options;
  auto* cmd = app.add_subcommand("prune", "remove unreferenced data");
  cmd->add_flag("--dry-run,-n", opts->dry_run, "only report what would be removed");
  add_percent_option(*cmd, "--max-unused", opts->max_unused_percent, config::kMaxUnused,
                     "repack packs with more unused space than this percentage (default 5%)");
  add_whole_option(*cmd, "--retry-lock", request->lock_wait_seconds, config::kLockWaitSeconds, "wait up to this many seconds for the lock");
  cmd->callback([&g, &exit_code, request] {
    apply_environment(g);
    request->access = repository_access(g);
    repo::PruneReport r;
    {
      ProgressReporter reporter(progress_mode(g), "prune", job(g).progress);
      r = app::prune(*request, job(g));
    }
    print_prune_report(g, r, request->options.dry_run);
    exit_code = 0;
  });
}

}  // namespace strata::cli
