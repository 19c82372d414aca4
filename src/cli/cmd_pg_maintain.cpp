// `strata pg expire` (retention of backups and WAL, then prune) and `strata pg
// verify` (everything a recovery needs is present and intact).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/number_option.h"
#include "cli/commands.h"
#include "cli/pg_context.h"
#include "common/error.h"
#include "config/ranges.h"
#include "common/time_util.h"
#include "repo/lock.h"
#include "repo/pruner.h"
#include "source/postgres/expire.h"
#include "source/postgres/verify.h"

namespace strata::cli {

namespace pg = source::postgres;

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
    auto st = resolve_stanza(g, *a);
    pg::ExpirePolicy policy;
    policy.keep_full = e->keep_full ? e->keep_full : st.retention_full;
    policy.keep_diff = e->keep_diff ? e->keep_diff : st.retention_diff;
    policy.pitr_window_ns = e->window_ns ? e->window_ns : st.pitr_window_ns;
    auto [repo, stanza] = open_stanza(g, st.name);
    auto lock = repo::RepoLock::acquire(*repo, !e->dry_run, "pg expire");
    auto snaps = app::load_snapshots_logged(*repo);
    auto backups = pg::list_backups(snaps, st.name);
    pg::WalArchive archive(*repo, stanza);
    auto plan = pg::plan_expire(backups, archive.list(), policy, now_ns(), stanza.wal_segment_size);
    size_t removed = 0;
    for (const auto& d : plan.backups) {
      if (!g.quiet && !g.json)
        std::printf("  %-6s %-4s %s  %s  %s\n", d.keep ? "keep" : "remove", pg::backup_type_name(d.backup->type),
                    d.backup->snapshot.id.substr(0, 8).c_str(), format_short(d.backup->stop_ns).c_str(), d.why.c_str());
      if (d.keep || e->dry_run) continue;
      lock->check_held();
      repo->backend().remove(repo::Repository::object_name(repo::ObjectKind::snapshot, d.backup->snapshot.id));
      ++removed;
    }
    uint64_t wal_bytes = 0;
    for (const auto& f : plan.wal_remove) {
      wal_bytes += f.stored_size;
      if (!e->dry_run) archive.remove(f);
    }
    const char* verb = e->dry_run ? "would remove" : "removed";
    size_t expiring = 0;
    for (const auto& d : plan.backups) expiring += !d.keep;
    if (g.json) {
      nlohmann::json jb = nlohmann::json::array();
      for (const auto& d : plan.backups)
        jb.push_back({{"snapshot_id", d.backup->snapshot.id}, {"keep", d.keep}, {"reason", d.why}});
      std::printf("%s\n", nlohmann::json({{"dry_run", e->dry_run},
                                          {"backups", jb},
                                          {"wal_files_removed", plan.wal_remove.size()},
                                          {"wal_bytes_removed", wal_bytes},
                                          {"wal_kept_from", plan.wal_kept_from}})
                              .dump()
                              .c_str());
    } else {
      say(g, std::string(verb) + " " + std::to_string(e->dry_run ? expiring : removed) + " backup(s) and " +
                 std::to_string(plan.wal_remove.size()) + " WAL file(s) (" + format_bytes(wal_bytes) + ")" +
                 (plan.wal_kept_from.empty() ? "" : "; WAL is kept from " + plan.wal_kept_from));
    }
    if (!e->dry_run && !e->no_prune && removed > 0) {
      repo->load_index();
      ProgressCounters progress;
      repo::PruneReport r;
      {
        ProgressReporter reporter(progress_mode(g), "prune", progress);
        r = repo::prune_repository(*repo, repo::PruneOptions{}, progress);
      }
      if (!g.json) say(g, "prune: freed " + format_bytes(r.bytes_freed) + " (" + std::to_string(r.packs_deleted) + " pack(s) deleted, " +
                              std::to_string(r.packs_repacked) + " repacked)");
    }
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
    auto [repo, stanza] = open_stanza(g, st.name);
    auto lock = lock_for_reading(g, *repo, "pg verify");
    repo->load_index();
    auto snaps = app::load_snapshots_logged(*repo);
    ProgressCounters progress;
    pg::VerifyReport r;
    {
      ProgressReporter reporter(progress_mode(g), "pg verify", progress);
      r = pg::verify_stanza(*repo, snaps, stanza, *read_data, g.threads, progress);
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
