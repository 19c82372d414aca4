// Unlock and index repair (see maintenance.h).
#include "app/maintenance.h"

namespace strata::app {

std::vector<repo::LockInfo> unlock(const RepositoryAccess& access, bool all, Job& job) {
  auto repo = open_repository(access, job);
  repo::require_writable(*repo, "unlock");
  return repo::remove_locks(*repo, all);
}

repo::RepairIndexReport repair_index(const RepositoryAccess& access, const repo::RepairIndexOptions& options,
                                     Job& job) {
  RepositoryAccess uncached = access;
  uncached.no_cache = true;
  auto repo = open_repository(uncached, job);
  repo::RepairIndexOptions opts = options;
  opts.threads = job.threads;
  opts.cancel = job.cancel;
  return repo::repair_index(*repo, opts, job.progress);
}

}  // namespace strata::app
