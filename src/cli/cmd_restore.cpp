// `strata restore SNAP --target DIR`: restore a snapshot (or parts) to a directory.
#include <cstdio>

#include "cli/commands.h"
#include "cli/tier_report.h"
#include "app/restore.h"
#include "common/time_util.h"

namespace strata::cli {

void register_restore(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto request = std::make_shared<app::RestoreRequest>();
  auto* opts = &request->options;
  auto* cmd = app.add_subcommand("restore", "restore a snapshot into a directory");
  mark_reading(*cmd);
  cmd->add_option("snapshot", request->snapshot, "snapshot id, prefix or 'latest'")->required();
  cmd->add_option("--target,-t", opts->target, "directory to restore into");
  cmd->add_option("--include,-i", opts->includes, "restore only this path (repeatable)");
  auto plan = std::make_shared<bool>(false);
  cmd->add_flag("--plan", *plan, "only list what the restore would read from which storage class, and its cost");
  auto latest_readable = std::make_shared<bool>(false);
  add_latest_readable_flag(*cmd, *latest_readable);
  cmd->add_flag("--force", request->allow_root, "allow --target / (replaces system files in place)");
  cmd->callback([&g, &exit_code, request, plan, latest_readable] {
    apply_environment(g);
    request->access = repository_access(g);
    request->latest = latest_rule(*latest_readable);
    if (*plan) {
      auto planned = app::plan_restore(*request, g.file->lifecycle, job(g));
      print_restore_plan(g, planned.snapshot, planned.plan);
      exit_code = 0;
      return;
    }
    app::RestoreOutcome out;
    {
      ProgressReporter reporter(progress_mode(g), "restore", job(g).progress);
      out = app::restore(*request, job(g));
    }
    const auto& r = out.result;
    for (const auto& w : r.warnings) std::fprintf(stderr, "strata: warning: %s\n", w.c_str());
    for (const auto& e : r.integrity_errors)
      std::fprintf(stderr, "strata: error: not restored (corrupt data): %s\n", e.c_str());
    for (const auto& e : r.not_restored) std::fprintf(stderr, "strata: error: not restored: %s\n", e.c_str());
    say(g, "restored snapshot " + out.snapshot.id.substr(0, 8) + " to " + request->options.target + ": " + std::to_string(r.files) +
               " files, " + std::to_string(r.dirs) + " directories, " + format_bytes(r.bytes) + " in " +
               format_duration(out.seconds));
    exit_code = static_cast<int>(out.code());
    if (!r.integrity_errors.empty())
      std::fprintf(stderr, "strata: error: %zu file(s) could not be restored because their data is corrupt\n",
                   r.integrity_errors.size());
    else if (!r.not_restored.empty())
      std::fprintf(stderr, "strata: error: %zu path(s) were not restored (named above); everything else was\n",
                   r.not_restored.size());
  });
}

}  // namespace strata::cli
