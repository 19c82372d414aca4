// Online backup of a PostgreSQL cluster (see pg_backup.h).
#include "source/postgres/pg_backup.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

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

PgBackupResult run_pg_backup(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                             const PgBackupOptions& options, ProgressCounters& progress) {
  const StanzaSettings& st = options.settings;
  repo::RecordStore records(repo);
  const StanzaRecord stanza = load_stanza(records, st.name, repo.backend().location());

  PgConnection primary(st.primary);
  check_same_cluster(stanza, describe_cluster(primary, st.name));
  if (primary.value("SELECT pg_is_in_recovery()::text") == "true")
    throw Error(ExitCode::source, primary.where() + " is a standby (in recovery); give the primary as --pghost/--pgport "
                                                    "and the standby with --standby-host/--standby-port");
  const std::string archive_mode = primary.value("SELECT current_setting('archive_mode')");
  if (archive_mode == "off")
    throw Error(ExitCode::source, primary.where() + " has archive_mode = off: the WAL a backup needs would never reach "
                                                    "the repository; set archive_mode = on and archive_command = "
                                                    "'strata pg wal-push --stanza " + st.name + " %p'");
  // The server whose files are copied and which runs pg_backup_start/stop.
  std::unique_ptr<PgConnection> standby;
  std::string source_dir = st.pgdata;
  if (options.from_standby) {
    if (!st.standby) throw Error(ExitCode::usage, "--from-standby needs the standby: --standby-host/--standby-port (or standby: in strata.yaml)");
    if (st.standby_pgdata.empty()) throw Error(ExitCode::usage, "--from-standby needs the standby's data directory: --standby-pgdata");
    standby = std::make_unique<PgConnection>(*st.standby);
    check_same_cluster(stanza, describe_cluster(*standby, st.name));
    if (standby->value("SELECT pg_is_in_recovery()::text") != "true")
      throw Error(ExitCode::source, standby->where() + " is not a standby (not in recovery)");
    source_dir = st.standby_pgdata;
  }
  PgConnection& conn = standby ? *standby : primary;
  const int version = conn.server_version_num();
  if (source_dir.empty()) throw Error(ExitCode::usage, "no data directory for stanza " + st.name + ": give --pgdata");
  const std::string pgdata = real_path(source_dir);
  const std::string server_dir = conn.value("SELECT current_setting('data_directory')");
  if (real_path(server_dir) != pgdata)
    throw Error(ExitCode::usage, "data directory " + source_dir + " is not the one of " + conn.where() +
                                     " (it uses " + server_dir + ")");

  const std::vector<PgBackup> backups = list_backups(snaps, st.name);
  PgBackupResult result;
  result.requested = options.type;
  PgBackup b;
  b.stanza = st.name;
  b.type = options.type;
  const PgBackup* prior = nullptr;
  if (options.type != BackupType::full) {
    prior = latest_of(backups, options.type == BackupType::diff);
    if (!prior || prior->system_id != stanza.system_id) {
      prior = nullptr;
      b.type = BackupType::full;
      result.notes.push_back(std::string("no prior full backup of stanza ") + st.name + ": making a full backup instead of " +
                             backup_type_name(options.type));
    }
  }
  b.prior = prior ? prior->snapshot.id : "";
  b.system_id = stanza.system_id;
  b.server_version_num = version;
  b.pgdata = pgdata;
  b.from_standby = options.from_standby;
  b.label = "strata " + format_rfc3339(now_ns()) + " " + backup_type_name(b.type);
  for (const auto& row : conn.query("SELECT oid::text, datname FROM pg_database")) b.databases[row[0]] = row[1];
  for (const auto& row : conn.query("SELECT oid::text, spcname, pg_tablespace_location(oid) FROM pg_tablespace "
                                    "WHERE pg_tablespace_location(oid) <> ''"))
    b.tablespaces[row[0]] = {row[1], real_path(row[2])};

  // The copy may begin only once the checkpoint of pg_backup_start is done; files
  // modified from a second before that on are never trusted from the prior backup.
  b.start_ns = now_ns();
  const std::string start_sql = version >= 150000 ? "SELECT pg_backup_start($1, true)::text"
                                                  : "SELECT pg_start_backup($1, true, false)::text";
  auto start_lsn = parse_lsn(conn.value(start_sql, {b.label}));
  if (!start_lsn) throw Error(ExitCode::source, conn.where() + ": pg_backup_start returned no LSN");
  b.start_lsn = *start_lsn;

  WalArchive archive(repo, stanza, st.wal_compression_level);
  const bool checksums = conn.value("SELECT current_setting('data_checksums')") == "on";
  std::vector<std::pair<std::string, std::string>> tablespace_roots;  // location -> "pg_tblspc/<oid>"
  for (const auto& [oid, t] : b.tablespaces) tablespace_roots.emplace_back(t.location, "pg_tblspc/" + oid);
  PageChecksumInspector inspector(pgdata, b.start_lsn, tablespace_roots);
  BackupOptions fs;
  if (checksums) fs.inspector = &inspector;
  fs.paths = {pgdata};
  for (const auto& [oid, t] : b.tablespaces) fs.paths.push_back(t.location);
  fs.excludes = pgdata_excludes(pgdata);
  fs.force = b.type == BackupType::full;
  fs.parent = prior ? &prior->snapshot : nullptr;
  fs.reuse_only_mtime_before_ns = prior ? prior->start_ns - 1'000'000'000 : 0;
  fs.ignore_vanished = true;
  fs.unreadable_is_fatal = true;
  fs.tags = {"pg", std::string("pg-") + backup_type_name(b.type)};
  fs.dataset = backup_dataset(st.name);
  fs.host = options.host;
  fs.threads = options.threads;
  fs.before_commit = [&](repo::Snapshot& snap) {
    // pg_control after every other file: for a backup from a standby its
    // minimum recovery point is where the restored copy becomes consistent.
    snap.tree = replace_file_in_tree(repo, snap.tree, pgdata + "/global/pg_control", pgdata + "/global/pg_control");
    const std::string stop_sql = version >= 150000
                                     ? "SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(false)"
                                     : "SELECT lsn::text, labelfile, spcmapfile FROM pg_stop_backup(false, false)";
    auto rows = conn.query(stop_sql);
    if (rows.size() != 1 || rows[0].size() != 3) throw Error(ExitCode::source, conn.where() + ": pg_backup_stop returned no row");
    b.stop_ns = now_ns();
    auto stop = parse_lsn(rows[0][0]);
    if (!stop) throw Error(ExitCode::source, conn.where() + ": pg_backup_stop returned no LSN");
    b.stop_lsn = *stop;
    b.backup_label = rows[0][1];
    b.tablespace_map = rows[0][2];
    b.timeline = static_cast<uint32_t>(std::stoul("0" + label_field(b.backup_label, "START TIMELINE")));
    if (b.timeline == 0) throw Error(ExitCode::source, conn.where() + ": backup label has no START TIMELINE");
    const uint64_t seg = stanza.wal_segment_size;
    const uint64_t first = segment_number(b.start_lsn, seg), last = segment_number(b.stop_lsn - 1, seg);
    b.start_wal = segment_file_name(b.timeline, first, seg);
    b.stop_wal = segment_file_name(b.timeline, last, seg);
    // On a primary pg_backup_stop switched to a new segment; a standby cannot, so
    // the primary switches (once the standby has replayed past the stop LSN, the
    // segment holding it exists on the primary too). archive_command pushes the
    // last one needed; the backup counts only once all are in the repository.
    if (standby) primary.query("SELECT pg_switch_wal()");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(st.archive_timeout_seconds);
    std::vector<std::string> missing;
    while (true) {
      missing = archive.missing_segments(b.timeline, first, last);
      if (missing.empty() || std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!missing.empty())
      throw Error(ExitCode::source, "backup of stanza " + st.name + " is not usable: WAL segment " + missing.front() +
                                        (missing.size() > 1 ? " (and " + std::to_string(missing.size() - 1) + " more)" : "") +
                                        " did not reach the repository within " +
                                        std::to_string(st.archive_timeout_seconds) +
                                        " s; check archive_command and the server log ('strata pg check' tests the path)");
    if (options.check_lock) options.check_lock();
    b.checksum_pages = inspector.pages_checked();
    b.checksum_errors = inspector.errors();
    b.snapshot = snap;
    snap.source_json = b.to_source_json();
  };
  BackupResult r = backup_paths(repo, fs, progress);
  b.snapshot = r.snapshot;
  result.backup = std::move(b);
  result.files = r.snapshot.summary;
  result.checksums_validated = checksums;
  return result;
}

}  // namespace strata::source::postgres
