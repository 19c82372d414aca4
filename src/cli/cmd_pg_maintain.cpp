// `strata pg expire` (retention of backups and WAL, then prune) and `strata pg
// verify` (everything a recovery needs is present and intact).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/number_option.h"
#include "cli/commands.h"
#include "cli/pg_context.h"
#include "app/pg_maintain.h"
#include "common/time_util.h"
#include "config/ranges.h"

namespace strata::cli {

namespace pg = source::postgres;

namespace {

void print_expire(const GlobalOptions& g, const app::PgExpireOutcome& out, bool dry_run) {
  if (g.json) {
    nlohmann::json jb = nlohmann::json::array();
    for (const auto& d : out.backups)
      jb.push_back({{"snapshot_id", d.backup.snapshot.id}, {"keep", d.keep}, {"reason", d.why}});
    std::printf("%s\n", nlohmann::json({{"dry_run", dry_run},
                                        {"backups", jb},
                                        {"wal_files_removed", out.wal_files_removed},
                                        {"wal_bytes_removed", out.wal_bytes_removed},
                                        {"wal_kept_from", out.wal_kept_from}})
                            .dump()
                            .c_str());
    return;
  }
  if (!g.quiet)
    for (const auto& d : out.backups)
      std::printf("  %-6s %-4s %s  %s  %s\n", d.keep ? "keep" : "remove", pg::backup_type_name(d.backup.type),
                  d.backup.snapshot.id.substr(0, 8).c_str(), format_short(d.backup.stop_ns).c_str(), d.why.c_str());
  say(g, std::string(dry_run ? "would remove" : "removed") + " " + std::to_string(out.backups_removed) +
             " backup(s) and " + std::to_string(out.wal_files_removed) + " WAL file(s) (" +
             format_bytes(out.wal_bytes_removed) + ")" +
             (out.wal_kept_from.empty() ? "" : "; WAL is kept from " + out.wal_kept_from));
  if (out.prune)
    say(g, "prune: freed " + format_bytes(out.prune->bytes_freed) + " (" + std::to_string(out.prune->packs_deleted) +
               " pack(s) deleted, " + std::to_string(out.prune->packs_repacked) + " repacked)");
}

}  // namespace

void register_pg_expire(CLI::App& group, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<PgArgs>();
  struct ExpireArgs {
    int keep_full = 0, keep_diff = 0;
    int64_t window_ns = 0;
    bool dry_run = false, no_prune = false;
  };
  auto e = std::make_shared<ExpireArgs>();
  auto* cmd = group.add_subcommand("expire", "remove backups and WAL the retention policy no longer needs");
  add_pg_options(*cmd, *a);
  add_whole_option(*cmd, "--keep-full", e->keep_full, config::kBackupsToKeep,
                   "full backups to keep, with their diff/incr backups");
  add_whole_option(*cmd, "--keep-diff", e->keep_diff, config::kBackupsToKeep,
                   "diff backups to keep (default: all of the kept fulls)");
  add_duration_option(*cmd, "--pitr-window", e->window_ns, config::kPitrWindow,
                      "also keep what recovery to any point of this window needs (e.g. 30d)");
  cmd->add_flag("--dry-run,-n", e->dry_run, "only show what would be removed");
  cmd->add_flag("--no-prune", e->no_prune, "remove backups and WAL, but leave unreferenced data for a later prune");
  cmd->callback([&g, &exit_code, a, e] {
    auto st = resolve_stanza(g, *a);  // reads strata.yaml: before repository_access
    app::PgExpireRequest request{repository_access(g), st,
                                 {e->keep_full, e->keep_diff, e->window_ns}, e->dry_run, !e->no_prune};
    app::PgExpireOutcome out;
    {
      ProgressReporter reporter(progress_mode(g), "prune", job(g).progress);
      out = app::expire_postgres(request, job(g));
    }
    print_expire(g, out, e->dry_run);
    exit_code = 0;
  });
}

void register_pg_verify(CLI::App& group, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<PgArgs>();
  auto read_data = std::make_shared<bool>(false);
  auto* cmd = group.add_subcommand("verify", "check that every backup and WAL file of the stanza is present and intact");
  mark_reading(*cmd);
  add_pg_options(*cmd, *a);
  cmd->add_flag("--read-data", *read_data, "also read and authenticate every data blob of every backup");
  cmd->callback([&g, &exit_code, a, read_data] {
    auto st = resolve_stanza(g, *a);
    pg::VerifyReport r;
    {
      ProgressReporter reporter(progress_mode(g), "pg verify", job(g).progress);
      r = app::verify_postgres(repository_access(g), st.name, *read_data, job(g));
    }
    if (g.json) {
      std::printf("%s\n", nlohmann::json({{"stanza", st.name},
                                          {"wal_files", r.wal_files},
                                          {"wal_bytes", r.wal_bytes},
                                          {"backups", r.backups},
                                          {"blobs_read", r.blobs_read},
                                          {"problems", r.problems}})
                              .dump()
                              .c_str());
    } else {
      for (const auto& p : r.problems) std::fprintf(stderr, "error: %s\n", p.c_str());
      say(g, "verified " + std::to_string(r.wal_files) + " WAL file(s) (" + format_bytes(r.wal_bytes) + ") and " +
                 std::to_string(r.backups) + " backup(s)" +
                 (*read_data ? " with " + std::to_string(r.blobs_read) + " data blob(s) read" : ""));
    }
    if (!r.problems.empty())
      throw Error(ExitCode::integrity, "pg verify found " + std::to_string(r.problems.size()) + " problem(s) in stanza " + st.name);
    if (!g.json) say(g, "no problems found: every backup and WAL file needed for recovery is present and intact");
    exit_code = 0;
  });
}

}  // namespace strata::cli
