// `strata pg restore`: restore the stanza's cluster for recovery to a target
// (see source/postgres/pg_restore.h); prints how to start the restored server.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/pg_context.h"
#include "app/pg_backup.h"
#include "common/time_util.h"

namespace strata::cli {

namespace pg = source::postgres;

namespace {
struct PgRestoreArgs {
  std::string target_time, target_lsn, target_xid, target_name, target, target_action = "pause",
      target_timeline, set, archive_mode = "preserve";
  bool delta = false;
  std::vector<std::string> db_include, tablespace_map;
};

pg::RecoveryTarget parse_target(const PgRestoreArgs& r) {
  pg::RecoveryTarget t;
  int given = !r.target_time.empty() + !r.target_lsn.empty() + !r.target_xid.empty() + !r.target_name.empty() +
              !r.target.empty();
  if (given > 1)
    throw Error(ExitCode::usage, "give at most one of --target-time, --target-lsn, --target-xid, --target-name, --target");
  if (!r.target_time.empty()) {
    auto ns = pg::parse_target_time(r.target_time);
    if (!ns)
      throw Error(ExitCode::usage, "--target-time '" + r.target_time +
                                       "' is not a time like '2026-12-01 10:00:05' (UTC) or '2026-12-01 12:00:05+02'");
    t.kind = pg::TargetKind::time;
    t.time_ns = *ns;
    t.text = r.target_time;
  } else if (!r.target_lsn.empty()) {
    auto lsn = pg::parse_lsn(r.target_lsn);
    if (!lsn) throw Error(ExitCode::usage, "--target-lsn '" + r.target_lsn + "' is not an LSN like 0/3000060");
    t.kind = pg::TargetKind::lsn;
    t.lsn = *lsn;
  } else if (!r.target_xid.empty()) {
    if (r.target_xid.find_first_not_of("0123456789") != std::string::npos)
      throw Error(ExitCode::usage, "--target-xid '" + r.target_xid + "' is not a transaction id");
    t.kind = pg::TargetKind::xid;
    t.text = r.target_xid;
  } else if (!r.target_name.empty()) {
    t.kind = pg::TargetKind::name;
    t.text = r.target_name;
  } else if (!r.target.empty()) {
    if (r.target != "immediate") throw Error(ExitCode::usage, "--target takes only 'immediate'");
    t.kind = pg::TargetKind::immediate;
  }
  return t;
}
}  // namespace

void register_pg_restore(CLI::App& group, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<PgArgs>();
  auto r = std::make_shared<PgRestoreArgs>();
  auto* cmd = group.add_subcommand("restore", "restore the cluster for point-in-time recovery");
  mark_reading(*cmd);
  add_pg_options(*cmd, *a);
  cmd->add_option("--target-time", r->target_time, "recover up to this time (UTC unless a zone is given)");
  cmd->add_option("--target-lsn", r->target_lsn, "recover up to this LSN");
  cmd->add_option("--target-xid", r->target_xid, "recover up to this transaction id");
  cmd->add_option("--target-name", r->target_name, "recover up to this restore point (pg_create_restore_point)");
  cmd->add_option("--target", r->target, "'immediate': stop as soon as the backup is consistent");
  cmd->add_option("--target-action", r->target_action, "at the target: promote, pause or shutdown")
      ->check(CLI::IsMember({"promote", "pause", "shutdown"}))
      ->capture_default_str();
  cmd->add_option("--target-timeline", r->target_timeline, "current, latest or a timeline id");
  cmd->add_option("--set", r->set, "restore this backup (snapshot id) instead of choosing by target");
  cmd->add_option("--archive-mode", r->archive_mode, "preserve, or off: the restored server archives no WAL")
      ->check(CLI::IsMember({"preserve", "off"}))
      ->capture_default_str();
  cmd->add_option("--db-include", r->db_include, "restore only this database (repeatable); others must be dropped after recovery");
  cmd->add_option("--tablespace-map", r->tablespace_map, "restore a tablespace elsewhere: OID=DIR or NAME=DIR (repeatable)");
  cmd->add_flag("--delta", r->delta, "restore into a non-empty data directory, removing what the backup lacks");
  cmd->callback([&g, &exit_code, a, r] {
    auto st = resolve_stanza(g, *a);
    pg::PgRestoreOptions opts;
    opts.stanza = st.name;
    opts.pgdata = st.pgdata;
    opts.target = parse_target(*r);
    opts.target_action = r->target_action;
    opts.target_timeline = r->target_timeline;
    opts.set = r->set;
    opts.delta = r->delta;
    opts.archive_off = r->archive_mode == "off";
    opts.db_include = r->db_include;
    for (const auto& m : r->tablespace_map) {
      size_t eq = m.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == m.size())
        throw Error(ExitCode::usage, "--tablespace-map '" + m + "' is not OID=DIR or NAME=DIR");
      opts.tablespace_map[m.substr(0, eq)] = m.substr(eq + 1);
    }
    opts.restore_command = wal_get_command(g, *a, st.name);
    pg::PgRestoreResult res;
    {
      ProgressReporter reporter(progress_mode(g), "pg restore", job(g).progress);
      res = app::restore_postgres({repository_access(g), opts}, job(g));
    }
    if (g.json) {
      nlohmann::json j = {{"snapshot_id", res.backup.snapshot.id},
                          {"type", pg::backup_type_name(res.backup.type)},
                          {"pgdata", opts.pgdata},
                          {"files", res.files.files},
                          {"bytes", res.files.bytes},
                          {"files_unchanged", res.files.files_unchanged},
                          {"bytes_unchanged", res.files.bytes_unchanged},
                          {"settings", res.settings},
                          {"left_out", res.left_out},
                          {"start", res.start_hint}};
      std::printf("%s\n", j.dump().c_str());
    } else if (!g.quiet) {
      std::printf("restored %s backup %s (stopped at LSN %s) into %s: %llu files, %s\n",
                  pg::backup_type_name(res.backup.type), res.backup.snapshot.id.substr(0, 8).c_str(),
                  pg::format_lsn(res.backup.stop_lsn).c_str(), opts.pgdata.c_str(),
                  static_cast<unsigned long long>(res.files.files), format_bytes(res.files.bytes).c_str());
      if (opts.delta)
        std::printf("delta: %llu files (%s) already had the backup's content and were not rewritten\n",
                    static_cast<unsigned long long>(res.files.files_unchanged),
                    format_bytes(res.files.bytes_unchanged).c_str());
      std::printf("recovery settings (postgresql.auto.conf, with recovery.signal):\n");
      for (const auto& s : res.settings) std::printf("  %s\n", s.c_str());
      std::printf("next: %s\n", res.start_hint.c_str());
      if (!res.left_out.empty()) {
        std::string list;
        for (const auto& n : res.left_out) list += (list.empty() ? "" : ", ") + n;
        std::printf("left out (files restored empty): %s — after recovery, DROP DATABASE each of them; they cannot be used\n",
                    list.c_str());
      }
    }
    for (const auto& w : res.files.warnings) std::fprintf(stderr, "strata: warning: %s\n", w.c_str());
    exit_code = 0;
  });
}

}  // namespace strata::cli
