// Repository maintenance as use cases: removing stale locks (`unlock`) and
// rebuilding the index from the packs (`repair index`).
#pragma once
#include <vector>

#include "app/job.h"
#include "app/repository_access.h"
#include "repo/index_repair.h"
#include "repo/lock.h"

namespace strata::app {

// Removes the locks of processes that are gone (all: every lock). Refuses a
// repository that cannot be written. Returns what was removed.
std::vector<repo::LockInfo> unlock(const RepositoryAccess& access, bool all, Job& job);

// Rebuilds the index from what the repository holds (its metadata cache unused);
// takes its exclusive lock itself.
repo::RepairIndexReport repair_index(const RepositoryAccess& access, const repo::RepairIndexOptions& options,
                                     Job& job);

}  // namespace strata::app
