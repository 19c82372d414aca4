// `strata pg expire`: retention for a stanza in pgBackRest's terms. Keeps the
// newest N full backups with the diff and incr backups made on top of them
// (optionally only the newest M diffs, whose incrs go with them), and every
// backup needed to recover to any point of a PITR window (e.g. the last 30
// days). WAL older than the start of the oldest kept backup is no longer
// needed by anything and is removed; history files are always kept.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "source/postgres/backup_catalog.h"
#include "source/postgres/wal_archive.h"

namespace strata::source::postgres {

struct ExpirePolicy {
  int keep_full = 0;           // >= 1
  int keep_diff = 0;           // 0: every diff of a kept full stays
  int64_t pitr_window_ns = 0;  // 0: no window
};

struct ExpireDecision {
  const PgBackup* backup = nullptr;
  bool keep = true;
  std::string why;  // "full 1 of 2", "in the PITR window", "its full expired", ...
};

struct ExpirePlan {
  std::vector<ExpireDecision> backups;  // oldest first
  std::vector<ArchivedWal> wal_remove;  // segments, partials and backup history files
  std::string wal_kept_from;            // first segment kept ("" when nothing is kept)
};

// Error(usage) for a policy that would keep nothing (keep_full < 1).
ExpirePlan plan_expire(const std::vector<PgBackup>& backups, const std::vector<ArchivedWal>& wal,
                       const ExpirePolicy& policy, int64_t now_ns, uint64_t segment_size);

}  // namespace strata::source::postgres
