// PostgreSQL backups and restores as use cases: an online backup of a stanza's
// cluster (full, diff or incr; from the primary or a streaming standby), and a
// restore for point-in-time recovery. Both run under the repository's lock.
#pragma once
#include "app/job.h"
#include "app/repository_access.h"
#include "common/error.h"
#include "source/postgres/pg_backup.h"
#include "source/postgres/pg_restore.h"

namespace strata::app {

struct PgBackupRequest {
  RepositoryAccess access;
  source::postgres::StanzaSettings stanza;
  source::postgres::BackupType type = source::postgres::BackupType::incr;
  bool from_standby = false;
};

struct PgBackupOutcome {
  source::postgres::PgBackupResult result;
  // ok, or partial when pages failed their checksums in the cluster itself (the
  // backup is a faithful copy of them).
  ExitCode code() const { return result.backup.checksum_errors.empty() ? ExitCode::ok : ExitCode::partial; }
};

// Takes a shared lock (checked again before the commit) and backs up.
PgBackupOutcome backup_postgres(const PgBackupRequest& request, Job& job);

struct PgRestoreRequest {
  RepositoryAccess access;
  source::postgres::PgRestoreOptions options;  // stanza, pgdata, target, ... (threads from the Job)
};

// Reads under a read lock; the restored cluster recovers when started.
source::postgres::PgRestoreResult restore_postgres(const PgRestoreRequest& request, Job& job);

}  // namespace strata::app
