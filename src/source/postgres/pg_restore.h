// `strata pg restore`: rebuilds a data directory from the backup that suits the
// recovery target, writes backup_label and the recovery settings (restore_command
// pointing back at Strata, the target, the action at the target) and leaves the
// cluster ready for the operator to start. The recoverable window is the span from
// the oldest backup's end to the newest archived WAL; a target outside it is
// refused with the window in the message.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "common/progress.h"
#include "repo/repository.h"
#include "repo/snapshot.h"
#include "source/fs_restore.h"
#include "source/postgres/backup_catalog.h"
#include "source/postgres/wal_archive.h"

namespace strata::source::postgres {

enum class TargetKind { latest, time, lsn, xid, name, immediate };

struct RecoveryTarget {
  TargetKind kind = TargetKind::latest;
  std::string text;     // as given (xid, name) or normalised (time: "2026-12-01 10:00:05+00")
  int64_t time_ns = 0;  // kind == time
  Lsn lsn = 0;          // kind == lsn
};

// "2026-12-01 10:00:05", "2026-12-01T10:00:05.25Z", "… +02", "… -05:30"; without
// a zone the time is UTC. nullopt when malformed.
std::optional<int64_t> parse_target_time(const std::string& text);

struct RecoverableWindow {
  int64_t earliest_ns = 0;  // end of the oldest backup
  int64_t latest_ns = 0;    // newest archived WAL segment (when it was stored)
  Lsn earliest_lsn = 0;
  std::string describe() const;  // "2026-12-01 10:00:03 .. 2026-12-01 10:20:11 UTC"
};

RecoverableWindow recoverable_window(const std::vector<PgBackup>& backups, const std::vector<ArchivedWal>& wal);

// The backup a restore to `target` starts from (`set`: a snapshot id or prefix
// chosen by the operator). Error(not_found) with the window when the target is
// outside it.
const PgBackup& choose_backup(const std::vector<PgBackup>& backups, const RecoverableWindow& window,
                              const RecoveryTarget& target, const std::string& set);

struct PgRestoreOptions {
  std::string stanza;
  std::string pgdata;  // where to restore
  RecoveryTarget target;
  std::string target_action = "pause";  // promote | pause | shutdown
  std::string target_timeline;          // empty: "current" with a target, "latest" without
  std::string set;                      // a backup's snapshot id (prefix); empty: chosen by target
  bool delta = false;                   // restore into a non-empty directory
  bool archive_off = false;             // the restored server archives no WAL (a copy, not the cluster)
  // Restore only these databases (and the system ones); the files of every
  // other database are restored as holes of their size, so that recovery
  // runs, and those databases must be dropped afterwards.
  std::vector<std::string> db_include;
  // Where tablespaces go, by oid or name ("16390" or "ts1" -> "/srv/new"); the
  // others are restored to the location they had.
  std::map<std::string, std::string> tablespace_map;
  // When set, every tablespace not in tablespace_map goes to <dir>/<oid>
  // (a scratch copy must never write where the live cluster's tablespaces are).
  std::string tablespaces_under;
  std::string restore_command;          // full command with %f and %p
  unsigned threads = 0;
  CancelToken cancel;  // checked before the first write and by the file restore
};

struct PgRestoreResult {
  PgBackup backup;
  RestoreResult files;
  std::vector<std::string> settings;  // the recovery settings written
  std::string start_hint;             // how to start the restored server
  std::vector<std::string> left_out;  // --db-include: databases restored as empty files (drop them)
};

PgRestoreResult run_pg_restore(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                               const PgRestoreOptions& options, ProgressCounters& progress);

}  // namespace strata::source::postgres
