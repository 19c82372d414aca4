// Online backup of a PostgreSQL cluster (see pg_backup.h).
#include "source/postgres/pg_backup.h"

#include <unistd.h>

#include <filesystem>
#include <memory>

#include "common/error.h"
#include "common/time_util.h"
#include "repo/record_store.h"
#include "source/postgres/page_checksum.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/wal_archive.h"
#include "source/tree_edit.h"

namespace strata::source::postgres {

namespace {

std::string real_path(const std::string& p) {
  std::error_code ec;
  auto r = std::filesystem::canonical(p, ec);
  return ec ? p : r.string();
}

// "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)" -> value after the key
std::string label_field(const std::string& label, const std::string& key) {
  size_t pos = label.find(key + ": ");
  if (pos == std::string::npos) return "";
  size_t end = label.find('\n', pos);
  return label.substr(pos + key.size() + 2, end == std::string::npos ? std::string::npos : end - pos - key.size() - 2);
}

const PgBackup* latest_of(const std::vector<PgBackup>& backups, bool full_only) {
  for (auto it = backups.rbegin(); it != backups.rend(); ++it)
    if (!full_only || it->type == BackupType::full) return &*it;
  return nullptr;
}

}  // namespace

std::vector<std::string> pgdata_excludes(const std::string& pgdata) {
  std::vector<std::string> out;
  // Directories whose content is recreated by the server; the directories stay.
  for (const char* dir : {"pg_wal", "pg_dynshmem", "pg_notify", "pg_replslot", "pg_serial", "pg_snapshots",
                          "pg_stat_tmp", "pg_subtrans"})
    out.push_back(pgdata + "/" + dir + "/*");
  // Files of the running server or of an earlier backup/recovery.
  for (const char* file : {"postmaster.pid", "postmaster.opts", "backup_label", "backup_label.old",
                           "tablespace_map", "tablespace_map.old", "recovery.signal", "standby.signal",
                           "backup_manifest"})
    out.push_back(pgdata + "/" + file);
  // Anywhere: relation cache init files and temporary files/directories.
  out.push_back("pg_internal.init");
  out.push_back("pgsql_tmp*");
  return out;
}

namespace {

// One backup, step by step: connect to the server(s) and check they are the
// stanza's cluster, choose the prior backup, start the backup, copy the files
// through the file-backup pipeline, and — just before the snapshot is committed —
// stop the backup and wait until its WAL is in the repository.
class PgBackupRun {
 public:
  PgBackupRun(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps, const PgBackupOptions& options,
              ProgressCounters& progress)
      : repo_(repo), snaps_(snaps), options_(options), st_(options.settings), progress_(progress),
        stanza_(load_stanza_of(repo, st_.name)), primary_(st_.primary) {}

  PgBackupResult run() {
    connect();
    choose_prior();
    describe_backup();
    options_.cancel.throw_if_cancelled();
    start_backup();
    WalArchive archive(repo_, stanza_, st_.wal_compression_level);
    archive_ = &archive;
    const bool checksums = conn().value("SELECT current_setting('data_checksums')") == "on";
    PageChecksumInspector inspector(pgdata_, b_.start_lsn, tablespace_roots());
    BackupOptions fs = file_options(checksums ? &inspector : nullptr);
    fs.before_commit = [&](repo::Snapshot& snap) { finish_before_commit(snap, inspector); };
    BackupResult r = backup_paths(repo_, fs, progress_);
    b_.snapshot = r.snapshot;
    result_.backup = std::move(b_);
    result_.files = r.snapshot.summary;
    result_.checksums_validated = checksums;
    return std::move(result_);
  }

 private:
  static StanzaRecord load_stanza_of(repo::Repository& repo, const std::string& name) {
    repo::RecordStore records(repo);
    return load_stanza(records, name, repo.backend().location());
  }
  PgConnection& conn() { return standby_ ? *standby_ : primary_; }

  void connect();
  void check_primary();
  void connect_standby();
  void check_data_directory();
  void choose_prior();
  void describe_backup();
  void start_backup();
  std::vector<std::pair<std::string, std::string>> tablespace_roots() const;
  BackupOptions file_options(ContentInspector* inspector) const;
  void finish_before_commit(repo::Snapshot& snap, const PageChecksumInspector& inspector);
  void stop_backup();
  void wait_for_wal();

  repo::Repository& repo_;
  const std::vector<repo::Snapshot>& snaps_;
  const PgBackupOptions& options_;
  const StanzaSettings& st_;
  ProgressCounters& progress_;
  const StanzaRecord stanza_;
  PgConnection primary_;
  std::unique_ptr<PgConnection> standby_;  // the server copied from, with --from-standby
  int version_ = 0;
  std::string pgdata_;
  const PgBackup* prior_ = nullptr;
  std::vector<PgBackup> backups_;
  WalArchive* archive_ = nullptr;
  PgBackup b_;
  PgBackupResult result_;
};

void PgBackupRun::connect() {
  check_primary();
  if (options_.from_standby) connect_standby();
  version_ = conn().server_version_num();
  check_data_directory();
}

void PgBackupRun::check_primary() {
  check_same_cluster(stanza_, describe_cluster(primary_, st_.name));
  if (primary_.value("SELECT pg_is_in_recovery()::text") == "true")
    throw Error(ExitCode::source, primary_.where() + " is a standby (in recovery); give the primary as --pghost/--pgport "
                                                     "and the standby with --standby-host/--standby-port");
  if (primary_.value("SELECT current_setting('archive_mode')") == "off")
    throw Error(ExitCode::source, primary_.where() + " has archive_mode = off: the WAL a backup needs would never reach "
                                                     "the repository; set archive_mode = on and archive_command = "
                                                     "'strata pg wal-push --stanza " + st_.name + " %p'");
}

void PgBackupRun::connect_standby() {
  if (!st_.standby) throw Error(ExitCode::usage, "--from-standby needs the standby: --standby-host/--standby-port (or standby: in strata.yaml)");
  if (st_.standby_pgdata.empty()) throw Error(ExitCode::usage, "--from-standby needs the standby's data directory: --standby-pgdata");
  standby_ = std::make_unique<PgConnection>(*st_.standby);
  check_same_cluster(stanza_, describe_cluster(*standby_, st_.name));
  if (standby_->value("SELECT pg_is_in_recovery()::text") != "true")
    throw Error(ExitCode::source, standby_->where() + " is not a standby (not in recovery)");
}

// The directory copied must be the one the server (primary or standby) runs on.
void PgBackupRun::check_data_directory() {
  const std::string source_dir = standby_ ? st_.standby_pgdata : st_.pgdata;
  if (source_dir.empty()) throw Error(ExitCode::usage, "no data directory for stanza " + st_.name + ": give --pgdata");
  pgdata_ = real_path(source_dir);
  const std::string server_dir = conn().value("SELECT current_setting('data_directory')");
  if (real_path(server_dir) != pgdata_)
    throw Error(ExitCode::usage, "data directory " + source_dir + " is not the one of " + conn().where() +
                                     " (it uses " + server_dir + ")");
}

// incr and diff need a prior backup of this cluster; without one the backup is full.
void PgBackupRun::choose_prior() {
  backups_ = list_backups(snaps_, st_.name);
  result_.requested = options_.type;
  b_.type = options_.type;
  if (options_.type == BackupType::full) return;
  prior_ = latest_of(backups_, options_.type == BackupType::diff);
  if (prior_ && prior_->system_id == stanza_.system_id) return;
  prior_ = nullptr;
  b_.type = BackupType::full;
  result_.notes.push_back(std::string("no prior full backup of stanza ") + st_.name +
                          ": making a full backup instead of " + backup_type_name(options_.type));
}

void PgBackupRun::describe_backup() {
  b_.stanza = st_.name;
  b_.prior = prior_ ? prior_->snapshot.id : "";
  b_.system_id = stanza_.system_id;
  b_.server_version_num = version_;
  b_.pgdata = pgdata_;
  b_.from_standby = options_.from_standby;
  b_.label = "strata " + format_rfc3339(options_.clock->now_ns()) + " " + backup_type_name(b_.type);
  for (const auto& row : conn().query("SELECT oid::text, datname FROM pg_database")) b_.databases[row[0]] = row[1];
  for (const auto& row : conn().query("SELECT oid::text, spcname, pg_tablespace_location(oid) FROM pg_tablespace "
                                      "WHERE pg_tablespace_location(oid) <> ''"))
    b_.tablespaces[row[0]] = {row[1], real_path(row[2])};
}

// The copy may begin only once the checkpoint of pg_backup_start is done; files
// modified from a second before that on are never trusted from the prior backup.
void PgBackupRun::start_backup() {
  b_.start_ns = options_.clock->now_ns();
  const std::string start_sql = version_ >= 150000 ? "SELECT pg_backup_start($1, true)::text"
                                                   : "SELECT pg_start_backup($1, true, false)::text";
  auto start_lsn = parse_lsn(conn().value(start_sql, {b_.label}));
  if (!start_lsn) throw Error(ExitCode::source, conn().where() + ": pg_backup_start returned no LSN");
  b_.start_lsn = *start_lsn;
}

std::vector<std::pair<std::string, std::string>> PgBackupRun::tablespace_roots() const {
  std::vector<std::pair<std::string, std::string>> roots;  // location -> "pg_tblspc/<oid>"
  for (const auto& [oid, t] : b_.tablespaces) roots.emplace_back(t.location, "pg_tblspc/" + oid);
  return roots;
}

BackupOptions PgBackupRun::file_options(ContentInspector* inspector) const {
  BackupOptions fs;
  fs.inspector = inspector;
  fs.paths = {pgdata_};
  for (const auto& [oid, t] : b_.tablespaces) fs.paths.push_back(t.location);
  fs.excludes = pgdata_excludes(pgdata_);
  fs.force = b_.type == BackupType::full;
  fs.parent = prior_ ? &prior_->snapshot : nullptr;
  fs.reuse_only_mtime_before_ns = prior_ ? prior_->start_ns - 1'000'000'000 : 0;
  fs.ignore_vanished = true;
  fs.unreadable_is_fatal = true;
  fs.tags = {"pg", std::string("pg-") + backup_type_name(b_.type)};
  fs.dataset = backup_dataset(st_.name);
  fs.host = options_.host;
  fs.threads = options_.threads;
  fs.cancel = options_.cancel;
  fs.clock = options_.clock;
  return fs;
}

// pg_control after every other file: for a backup from a standby its minimum
// recovery point is where the restored copy becomes consistent. Then the backup
// is stopped and its WAL awaited; only then may the snapshot be committed.
void PgBackupRun::finish_before_commit(repo::Snapshot& snap, const PageChecksumInspector& inspector) {
  snap.tree = replace_file_in_tree(repo_, snap.tree, pgdata_ + "/global/pg_control", pgdata_ + "/global/pg_control");
  stop_backup();
  wait_for_wal();
  if (options_.check_lock) options_.check_lock();
  b_.checksum_pages = inspector.pages_checked();
  b_.checksum_errors = inspector.errors();
  b_.snapshot = snap;
  snap.source_json = b_.to_source_json();
}

void PgBackupRun::stop_backup() {
  const std::string stop_sql = version_ >= 150000
                                   ? "SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(false)"
                                   : "SELECT lsn::text, labelfile, spcmapfile FROM pg_stop_backup(false, false)";
  auto rows = conn().query(stop_sql);
  if (rows.size() != 1 || rows[0].size() != 3)
    throw Error(ExitCode::source, conn().where() + ": pg_backup_stop returned no row");
  b_.stop_ns = options_.clock->now_ns();
  auto stop = parse_lsn(rows[0][0]);
  if (!stop) throw Error(ExitCode::source, conn().where() + ": pg_backup_stop returned no LSN");
  b_.stop_lsn = *stop;
  b_.backup_label = rows[0][1];
  b_.tablespace_map = rows[0][2];
  b_.timeline = static_cast<uint32_t>(std::stoul("0" + label_field(b_.backup_label, "START TIMELINE")));
  if (b_.timeline == 0) throw Error(ExitCode::source, conn().where() + ": backup label has no START TIMELINE");
  const uint64_t seg = stanza_.wal_segment_size;
  b_.start_wal = segment_file_name(b_.timeline, segment_number(b_.start_lsn, seg), seg);
  b_.stop_wal = segment_file_name(b_.timeline, segment_number(b_.stop_lsn - 1, seg), seg);
}

// On a primary pg_backup_stop switched to a new segment; a standby cannot, so the
// primary switches (once the standby has replayed past the stop LSN, the segment
// holding it exists on the primary too). archive_command pushes the last one
// needed; the backup counts only once all are in the repository.
void PgBackupRun::wait_for_wal() {
  if (standby_) primary_.query("SELECT pg_switch_wal()");
  const uint64_t seg = stanza_.wal_segment_size;
  const uint64_t first = segment_number(b_.start_lsn, seg), last = segment_number(b_.stop_lsn - 1, seg);
  const Clock& clock = *options_.clock;
  const int64_t deadline_ns = clock.monotonic_ns() + int64_t{st_.archive_timeout_seconds} * 1'000'000'000;
  std::vector<std::string> missing;
  while (true) {
    missing = archive_->missing_segments(b_.timeline, first, last);
    if (missing.empty() || clock.monotonic_ns() >= deadline_ns) break;
    if (!clock.sleep_for_ms(100, options_.cancel)) options_.cancel.throw_if_cancelled();
  }
  if (!missing.empty())
    throw Error(ExitCode::source, "backup of stanza " + st_.name + " is not usable: WAL segment " + missing.front() +
                                      (missing.size() > 1 ? " (and " + std::to_string(missing.size() - 1) + " more)" : "") +
                                      " did not reach the repository within " +
                                      std::to_string(st_.archive_timeout_seconds) +
                                      " s; check archive_command and the server log ('strata pg check' tests the path)");
}

}  // namespace

PgBackupResult run_pg_backup(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                             const PgBackupOptions& options, ProgressCounters& progress) {
  return PgBackupRun(repo, snaps, options, progress).run();
}

}  // namespace strata::source::postgres
