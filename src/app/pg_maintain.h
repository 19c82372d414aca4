// Keeping a stanza healthy: `pg expire` (retention of backups and WAL, then
// prune), `pg verify` (everything a recovery needs is present and intact) and
// `pg restore-table` (one table or schema as it was at a target, through a
// scratch server) as use cases.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "app/job.h"
#include "app/repository_access.h"
#include "repo/pruner.h"
#include "source/postgres/backup_catalog.h"
#include "source/postgres/expire.h"
#include "source/postgres/verify.h"
#include "source/postgres/table_restore.h"

namespace strata::app {

struct PgExpireRequest {
  RepositoryAccess access;
  source::postgres::StanzaSettings stanza;
  source::postgres::ExpirePolicy policy;  // 0 fields: the stanza's retention settings
  bool dry_run = false;
  bool prune = true;  // prune after removing backups
};

struct PgExpireRow {
  source::postgres::PgBackup backup;
  bool keep = true;
  std::string why;
};

struct PgExpireOutcome {
  std::vector<PgExpireRow> backups;  // oldest first
  size_t backups_removed = 0;        // dry run: that would be
  uint64_t wal_files_removed = 0, wal_bytes_removed = 0;
  std::string wal_kept_from;
  std::optional<repo::PruneReport> prune;
};

// Takes the exclusive lock (a dry run: a shared one), plans at the job's clock,
// removes expired backups (checking the lock before each) and WAL, then prunes.
PgExpireOutcome expire_postgres(const PgExpireRequest& request, Job& job);

// Verifies WAL authenticity and continuity and each backup's WAL and tree (with
// read_data: every data blob) under a read lock.
source::postgres::VerifyReport verify_postgres(const RepositoryAccess& access, const std::string& stanza,
                                               bool read_data, Job& job);

// Restores into a scratch server, dumps the tables and tears the server down;
// `note` is told each step.
source::postgres::TableRestoreResult restore_table(const RepositoryAccess& access,
                                                   const source::postgres::TableRestoreOptions& options, Job& job,
                                                   const source::postgres::StepNote& note);

}  // namespace strata::app
