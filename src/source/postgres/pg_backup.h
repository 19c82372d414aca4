// `strata pg backup`: a consistent online backup of a running cluster.
// The non-exclusive low-level API (pg_backup_start / pg_backup_stop on one
// session kept open for the whole copy) brackets a parallel copy of the data
// directory through the file backup pipeline, so incr and diff read only the
// files that changed since their prior backup and everything deduplicates; the
// backup is committed as a snapshot only after every WAL segment from its start
// to its stop LSN is in the repository. Decision record: docs/decisions/0002.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "common/clock.h"
#include "common/progress.h"
#include "repo/repository.h"
#include "repo/snapshot.h"
#include "source/fs_backup.h"
#include "source/postgres/backup_catalog.h"
#include "source/postgres/stanza.h"

namespace strata::source::postgres {

struct PgBackupOptions {
  StanzaSettings settings;
  BackupType type = BackupType::incr;
  // Copy the data files from settings.standby (whose data directory is
  // settings.standby_pgdata, on this host) instead of the primary: the backup
  // is started and stopped on the standby, the primary only switches WAL.
  bool from_standby = false;
  unsigned threads = 0;
  std::string host;                  // recorded in the snapshot; empty: this host
  std::function<void()> check_lock;  // throws when the repository lock was lost
  // Checked between the steps, by the file copy and while WAL is awaited; a
  // cancelled backup is no snapshot (pg_backup_stop is not called: the session's
  // end aborts the backup on the server).
  CancelToken cancel;
  const Clock* clock = &system_clock();  // label, start/stop times, the WAL wait
};

struct PgBackupResult {
  PgBackup backup;
  BackupType requested = BackupType::incr;  // differs from backup.type when no prior full existed
  repo::SnapshotSummary files;
  std::vector<std::string> notes;  // operator-facing remarks (type changed, ...)
  bool checksums_validated = false; // the cluster has data checksums; see backup.checksum_*
};

// Paths below the data directory that a backup never copies (their content is
// rebuilt or meaningless after a restore), as globs for BackupOptions::excludes.
std::vector<std::string> pgdata_excludes(const std::string& pgdata);

PgBackupResult run_pg_backup(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                             const PgBackupOptions& options, ProgressCounters& progress);

}  // namespace strata::source::postgres
