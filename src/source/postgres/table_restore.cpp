// Table and schema recovery through a scratch instance (see table_restore.h):
// the options checked, the backup restored into a scratch directory, the server
// started there and promoted at the target (scratch_instance.h), pg_dump run
// against it into an output file that appears only when complete.
#include "source/postgres/table_restore.h"

#include <unistd.h>

#include <optional>

#include "common/atomic_file.h"
#include "common/emergency_cleanup.h"
#include "common/error.h"
#include "common/process.h"
#include "repo/record_store.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/pg_programs.h"
#include "source/postgres/scratch_instance.h"
#include "source/postgres/scratch_setup.h"
#include "source/postgres/stanza.h"

namespace strata::source::postgres {

namespace {

// Where the SQL goes: `<output>.strata-tmp`, renamed into place only when
// pg_dump succeeded (never a partial dump under the final name), or standard
// output. A forced exit removes the temporary file too.
class OutputFile {
 public:
  explicit OutputFile(const std::string& path) {
    if (path.empty()) return;
    file_.emplace(path);
    cleanup_ = add_emergency_cleanup([tmp = file_->temp_path()] { ::unlink(tmp.c_str()); });
  }
  ~OutputFile() {
    if (file_) remove_emergency_cleanup(cleanup_);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  int fd() const { return file_ ? file_->fd() : 1; }

  // Makes the file durable under its name; its size (0 for standard output).
  uint64_t Commit() { return file_ ? file_->commit(posix::Durability::synced) : 0; }

 private:
  std::optional<posix::AtomicFileWriter> file_;
  EmergencyCleanupId cleanup_ = 0;
};

// dbname as a connection string, so that a name with '=' is never read as one.
std::string dbname_conninfo(const std::string& database) {
  std::string out = "dbname='";
  for (char c : database) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::vector<std::string> pg_dump_args(const std::string& bindir, int port, const std::string& user,
                                      const TableRestoreOptions& o) {
  std::vector<std::string> args = {bindir + "/pg_dump", "-h", "127.0.0.1", "-p", std::to_string(port),
                                   "-U", user, "-d", dbname_conninfo(o.database), "--no-password",
                                   "--strict-names"};
  for (const auto& t : o.tables) args.push_back("--table=" + t);
  for (const auto& s : o.schemas) args.push_back("--schema=" + s);
  return args;
}

// Runs pg_dump into `out_fd`; its stderr becomes warnings, or the error.
std::vector<std::string> dump_sql(const std::vector<std::string>& args, const posix::RunAs& as, int out_fd,
                                  const TableRestoreOptions& options) {
  const std::string& database = options.database;
  posix::OutputCapture err;
  posix::ProcessSpec spec;
  spec.argv = args;
  spec.run_as = as;
  spec.stdout_fd = out_fd;
  spec.stderr_fd = err.fd();
  spec.cancel = options.restore.cancel;
  spec.clock = options.clock;
  const int rc = posix::run_process(spec);
  const std::string said = posix::one_line(err.text());
  if (rc != 0)
    throw Error(ExitCode::source, "pg_dump of database '" + database + "' on the scratch instance failed (exit " +
                                      std::to_string(rc) + "): " + (said.empty() ? "no message" : said));
  if (said.empty()) return {};
  return {"pg_dump: " + said};
}

void check_options(const TableRestoreOptions& o) {
  if (o.restore.target.kind != TargetKind::time)
    throw Error(ExitCode::usage, "pg restore-table needs a target time: --target-time T");
  if (o.tables.empty() && o.schemas.empty())
    throw Error(ExitCode::usage, "name what to extract: --table SCHEMA.NAME or --schema NAME (repeatable)");
  if (!o.tables.empty() && !o.schemas.empty())
    throw Error(ExitCode::usage, "give --table or --schema, not both (pg_dump ignores --schema when --table is "
                                 "given); run the command once for each");
  if (o.database.empty()) throw Error(ExitCode::usage, "--database must not be empty");
  for (const auto& p : o.tables)
    if (p.empty()) throw Error(ExitCode::usage, "--table must not be empty");
  for (const auto& p : o.schemas)
    if (p.empty()) throw Error(ExitCode::usage, "--schema must not be empty");
}

void say(const StepNote& note, const std::string& line) {
  if (note) note(line);
}

// The backup for the target, restored into the scratch directory as a copy that
// promotes at the target and archives nothing; returns its owner.
posix::RunAs restore_into(ScratchInstance& scratch, repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                   const TableRestoreOptions& options, ProgressCounters& progress, TableRestoreResult& result) {
  PgRestoreOptions ro = options.restore;
  ro.pgdata = scratch.pgdata();
  ro.tablespaces_under = scratch.pgdata() + ".tablespaces";
  ro.archive_off = true;
  ro.target_action = "promote";
  ro.delta = false;
  PgRestoreResult restored = run_pg_restore(repo, snaps, ro, progress);
  result.backup = restored.backup;
  result.warnings = restored.files.warnings;
  posix::RunAs as = owner_of(scratch.pgdata());
  if (as.switch_user) {
    if (::chown(scratch.dir().c_str(), as.uid, as.gid) != 0)
      throw io_error("changing the owner of " + scratch.dir(), errno);
    check_reachable(scratch.dir(), as);
  }
  return as;
}

// The scratch instance started on a free port and promoted at the target.
void start_and_recover(ScratchInstance& scratch, const ConnectionSettings& cs, const TableRestoreOptions& options) {
  configure_scratch(scratch.pgdata(), cs.port, scratch.dir(), scratch.run_as());
  scratch.Start(options.start_timeout_seconds, options.restore.cancel);
  scratch.WaitUntilPromoted(cs, options.recovery_timeout_seconds, options.restore.cancel);
}

}  // namespace

TableRestoreResult run_table_restore(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                                     const TableRestoreOptions& options, ProgressCounters& progress,
                                     const StepNote& note) {
  check_options(options);
  repo::RecordStore records(repo);
  const StanzaRecord stanza = load_stanza(records, options.restore.stanza, repo.backend().location());
  const std::string bindir = resolve_pg_bindir(options.bindir, stanza.server_version_num);
  OutputFile output(options.output);
  ScratchInstance scratch(options.scratch_parent, options.keep_scratch, *options.clock);
  TableRestoreResult result;
  result.scratch_dir = scratch.dir();

  say(note, "restoring the backup for " + options.restore.target.text + " into " + scratch.pgdata());
  const posix::RunAs as = restore_into(scratch, repo, snaps, options, progress, result);
  scratch.Prepare(bindir, as);
  ConnectionSettings cs;
  cs.host = "127.0.0.1";
  cs.port = result.port = free_loopback_port();
  cs.user = options.user.empty() ? as.name : options.user;
  cs.database = options.database;
  say(note, "starting the scratch instance on 127.0.0.1:" + std::to_string(cs.port) + " (" + bindir +
                "/pg_ctl as " + as.name + "); it replays WAL to the target and promotes");
  start_and_recover(scratch, cs, options);

  say(note, "recovered; dumping from database '" + options.database + "' with pg_dump");
  auto said = dump_sql(pg_dump_args(bindir, cs.port, cs.user, options), as, output.fd(), options);
  result.warnings.insert(result.warnings.end(), said.begin(), said.end());
  result.output_bytes = output.Commit();
  scratch.Finish(result.warnings);
  return result;
}

}  // namespace strata::source::postgres
