// The PostgreSQL backups of a stanza as the repository holds them: snapshots of
// dataset "pg/<stanza>" whose source object (written by pg backup) says what
// PostgreSQL said about the backup — type, the backup it was made against, start
// and stop LSN and time, timeline, the backup label. Everything that chooses a
// backup (incr/diff parents, restore targets, info, expire) reads it from here.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "repo/snapshot.h"
#include "source/postgres/wal_names.h"

namespace strata::source::postgres {

enum class BackupType { full, diff, incr };
const char* backup_type_name(BackupType t);
BackupType parse_backup_type(const std::string& s);  // Error(usage) if unknown

struct PgBackup {
  repo::Snapshot snapshot;
  std::string stanza;
  BackupType type = BackupType::full;
  std::string prior;  // snapshot id of the backup this one was made against (diff/incr)
  std::string label;
  uint64_t system_id = 0;
  int server_version_num = 0;
  uint32_t timeline = 0;
  Lsn start_lsn = 0, stop_lsn = 0;
  std::string start_wal, stop_wal;  // segment names
  int64_t start_ns = 0, stop_ns = 0;
  std::string pgdata;         // the data directory as recorded in the snapshot
  std::string backup_label;   // content of backup_label for the restored cluster
  std::string tablespace_map; // content of tablespace_map (empty without tablespaces)
  bool from_standby = false;
  std::map<std::string, std::string> databases;  // oid -> name, when the backup started
  // Tablespaces outside the data directory: oid -> {name, location}; their
  // directories are paths of the snapshot next to the data directory.
  struct Tablespace {
    std::string name, location;
  };
  std::map<std::string, Tablespace> tablespaces;
  uint64_t checksum_pages = 0;      // pages whose checksum was validated
  std::vector<std::string> checksum_errors;  // "base/5/16384 block 3: checksum 0x.. expected 0x.."

  std::string to_source_json() const;
  static PgBackup from_snapshot(const repo::Snapshot& snap);  // Error(integrity) if malformed
};

// Dataset name of a stanza's backups.
std::string backup_dataset(const std::string& stanza);
// The stanza's backups, oldest stop first.
std::vector<PgBackup> list_backups(const std::vector<repo::Snapshot>& snaps, const std::string& stanza);

}  // namespace strata::source::postgres
