// `strata restore SNAP --target DIR`: restore a snapshot (or parts) to a directory.
#include <cstdio>

#include "cli/commands.h"
#include "cli/tier_report.h"
#include "common/error.h"
#include "common/time_util.h"
#include "repo/snapshot.h"
#include "source/fs_restore.h"

namespace strata::cli {

namespace {

// Refuses "/" without --force; warns about a target inside what the snapshot backed up.
void check_target(const source::RestoreOptions& opts, const repo::Snapshot& snap, bool force) {
  const auto risk = source::assess_restore_target(opts.target, snap);
  if (risk.is_root && !force)
    throw Error(ExitCode::usage,
                "--target / restores over the running system's files; add --force if that is really what you want "
                "(or restore into an empty directory and copy what you need)");
  if (!risk.inside_source.empty())
    std::fprintf(stderr,
                 "strata: warning: the target %s is inside %s, which this snapshot backed up: the next backup of %s "
                 "will contain the restored copy too (exclude it or restore elsewhere)\n",
                 opts.target.c_str(), risk.inside_source.c_str(), risk.inside_source.c_str());
}

}  // namespace

void register_restore(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto snap_ref = std::make_shared<std::string>();
  auto opts = std::make_shared<source::RestoreOptions>();
  auto* cmd = app.add_subcommand("restore", "restore a snapshot into a directory");
  mark_reading(*cmd);
  cmd->add_option("snapshot", *snap_ref, "snapshot id, prefix or 'latest'")->required();
  cmd->add_option("--target,-t", opts->target, "directory to restore into");
  cmd->add_option("--include,-i", opts->includes, "restore only this path (repeatable)");
  auto plan = std::make_shared<bool>(false);
  cmd->add_flag("--plan", *plan, "only list what the restore would read from which storage class, and its cost");
  auto latest_readable = std::make_shared<bool>(false);
  add_latest_readable_flag(*cmd, *latest_readable);
  auto force = std::make_shared<bool>(false);
  cmd->add_flag("--force", *force, "allow --target / (replaces system files in place)");
  cmd->callback([&g, &exit_code, snap_ref, opts, plan, latest_readable, force] {
    apply_environment(g);
    const config::ConfigFile& cfg = *g.file;
    if (!*plan && opts->target.empty()) throw Error(ExitCode::usage, "--target is required (or --plan)");
    auto repo = open_repository(g);
    auto lock = lock_for_reading(g, *repo, "restore");
    repo->load_index();
    auto snaps = load_snapshot_list_or_warn(*repo);
    const auto& snap = repo::resolve_snapshot(snaps, *snap_ref, latest_rule(*latest_readable));
    if (*plan) {
      print_restore_plan(g, *repo, snap, cfg.lifecycle);
      exit_code = 0;
      return;
    }
    check_target(*opts, snap, *force);
    opts->threads = g.threads;
    ProgressCounters progress;
    int64_t start = now_ns();
    source::RestoreResult r;
    {
      ProgressReporter reporter(progress_mode(g), "restore", progress);
      r = source::restore_snapshot(*repo, snap, *opts, progress);
    }
    for (const auto& w : r.warnings) std::fprintf(stderr, "strata: warning: %s\n", w.c_str());
    for (const auto& e : r.integrity_errors)
      std::fprintf(stderr, "strata: error: not restored (corrupt data): %s\n", e.c_str());
    for (const auto& e : r.not_restored) std::fprintf(stderr, "strata: error: not restored: %s\n", e.c_str());
    double secs = static_cast<double>(now_ns() - start) / 1e9;
    say(g, "restored snapshot " + snap.id.substr(0, 8) + " to " + opts->target + ": " + std::to_string(r.files) +
               " files, " + std::to_string(r.dirs) + " directories, " + format_bytes(r.bytes) + " in " +
               format_duration(secs));
    if (!r.integrity_errors.empty()) {
      std::fprintf(stderr, "strata: error: %zu file(s) could not be restored because their data is corrupt\n",
                   r.integrity_errors.size());
      exit_code = static_cast<int>(ExitCode::integrity);
    } else if (!r.not_restored.empty()) {
      std::fprintf(stderr, "strata: error: %zu path(s) were not restored (named above); everything else was\n",
                   r.not_restored.size());
      exit_code = static_cast<int>(ExitCode::partial);
    }
  });
}

}  // namespace strata::cli
