// `strata pg restore-table`: table- or schema-level recovery through a scratch
// instance (see source/postgres/table_restore.h). The SQL goes to --output or
// standard output, so everything else this command says goes to stderr.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/number_option.h"
#include "cli/commands.h"
#include "cli/pg_context.h"
#include "common/error.h"
#include "config/ranges.h"
#include "app/pg_maintain.h"

namespace strata::cli {

namespace pg = source::postgres;

namespace {
struct PgRestoreTableArgs {
  std::string target_time, set, output, scratch_dir, bindir, database = "postgres";
  std::vector<std::string> tables, schemas;
  bool keep_scratch = false;
  int start_timeout = 300, recovery_timeout = 600;
};

pg::RecoveryTarget parse_time_target(const std::string& text) {
  auto ns = pg::parse_target_time(text);
  if (!ns)
    throw Error(ExitCode::usage, "--target-time '" + text +
                                     "' is not a time like '2026-12-01 10:00:05' (UTC) or '2026-12-01 12:00:05+02'");
  pg::RecoveryTarget t;
  t.kind = pg::TargetKind::time;
  t.time_ns = *ns;
  t.text = text;
  return t;
}

void add_table_options(CLI::App& cmd, PgRestoreTableArgs& r) {
  cmd.add_option("--target-time", r.target_time, "the time the data is wanted as of (UTC unless a zone is given)")
      ->required();
  cmd.add_option("--table", r.tables, "table to extract, as a pg_dump pattern: SCHEMA.NAME (repeatable)");
  cmd.add_option("--schema", r.schemas, "schema to extract with everything in it (repeatable)");
  cmd.add_option("--database", r.database, "database the tables are in")->capture_default_str();
  cmd.add_option("--output", r.output, "write the SQL to this file (default: standard output)");
  cmd.add_option("--set", r.set, "restore this backup (snapshot id) instead of choosing by target");
  cmd.add_option("--scratch-dir", r.scratch_dir, "make the scratch data directory below DIR (default $TMPDIR or /tmp)");
  cmd.add_option("--pg-bindir", r.bindir, "PostgreSQL's programs (default: pg_config --bindir)");
  add_whole_option(cmd, "--start-timeout", r.start_timeout, config::kTimeoutSeconds,
                   "seconds pg_ctl waits for the scratch instance to start (default 300)");
  add_whole_option(cmd, "--recovery-timeout", r.recovery_timeout, config::kTimeoutSeconds,
                   "seconds to wait for recovery to reach the target (default 600)");
  cmd.add_flag("--keep-scratch", r.keep_scratch, "keep the scratch directory (stopped) for inspection");
}

pg::TableRestoreOptions make_options(const PgRestoreTableArgs& r, const pg::StanzaSettings& st) {
  pg::TableRestoreOptions o;
  o.restore.stanza = st.name;
  o.restore.target = parse_time_target(r.target_time);
  o.restore.set = r.set;
  o.tables = r.tables;
  o.schemas = r.schemas;
  o.database = r.database;
  o.user = st.primary.user;
  o.output = r.output;
  o.scratch_parent = r.scratch_dir;
  o.bindir = r.bindir;
  o.keep_scratch = r.keep_scratch;
  o.start_timeout_seconds = r.start_timeout;
  o.recovery_timeout_seconds = r.recovery_timeout;
  return o;
}

void report(const GlobalOptions& g, const pg::TableRestoreOptions& o, const pg::TableRestoreResult& res) {
  const std::string what = std::to_string(o.tables.size() + o.schemas.size()) +
                           (o.tables.empty() ? " schema(s)" : " table(s)");
  if (g.json) {
    nlohmann::json j = {{"snapshot_id", res.backup.snapshot.id}, {"target_time", o.restore.target.text},
                        {"database", o.database},               {"tables", o.tables},
                        {"schemas", o.schemas},                 {"output", o.output},
                        {"bytes", res.output_bytes},            {"scratch_dir", res.scratch_dir},
                        {"scratch_kept", o.keep_scratch}};
    std::printf("%s\n", j.dump().c_str());
  } else if (!g.quiet) {
    std::fprintf(stderr, "strata: %s of database '%s' as of %s (backup %s) written to %s%s\n", what.c_str(),
                 o.database.c_str(), o.restore.target.text.c_str(), res.backup.snapshot.id.substr(0, 8).c_str(),
                 o.output.empty() ? "standard output" : o.output.c_str(),
                 o.output.empty() ? "" : (" (" + format_bytes(res.output_bytes) + ")").c_str());
    if (o.keep_scratch)
      std::fprintf(stderr, "strata: scratch directory kept (instance stopped): %s\n", res.scratch_dir.c_str());
  }
  for (const auto& w : res.warnings) std::fprintf(stderr, "strata: warning: %s\n", w.c_str());
}
}  // namespace

void register_pg_restore_table(CLI::App& group, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<PgArgs>();
  auto r = std::make_shared<PgRestoreTableArgs>();
  auto* cmd = group.add_subcommand("restore-table", "extract a table or schema as it was at a target time (SQL)");
  mark_reading(*cmd);
  add_pg_options(*cmd, *a);
  add_table_options(*cmd, *r);
  cmd->callback([&g, &exit_code, a, r] {
    auto st = resolve_stanza(g, *a);
    pg::TableRestoreOptions opts = make_options(*r, st);
    if (g.json && opts.output.empty())
      throw Error(ExitCode::usage, "--json needs --output FILE (the SQL would share standard output)");
    opts.restore.restore_command = wal_get_command(g, *a, st.name);
    auto note = [&g](const std::string& line) {
      if (!g.quiet && !g.json) std::fprintf(stderr, "strata: %s\n", line.c_str());
    };
    pg::TableRestoreResult res;
    {
      ProgressReporter reporter(progress_mode(g), "pg restore-table", job(g).progress);
      res = app::restore_table(repository_access(g), opts, job(g), note);
    }
    report(g, opts, res);
    exit_code = 0;
  });
}

}  // namespace strata::cli
