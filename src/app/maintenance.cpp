// Unlock and index repair (see maintenance.h).
#include "app/maintenance.h"

namespace strata::app {

std::vector<repo::LockInfo> unlock(const RepositoryAccess& access, bool all) {
  auto repo = open_repository(access);
  repo::require_writable(*repo, "unlock");
  return repo::remove_locks(*repo, all);
}

repo::RepairIndexReport repair_index(const RepositoryAccess& access, const repo::RepairIndexOptions& options,
                                     Job& job) {
  RepositoryAccess uncached = access;
  uncached.no_cache = true;
  auto repo = open_repository(uncached);
  repo::RepairIndexOptions opts = options;
  opts.threads = job.threads;
  return repo::repair_index(*repo, opts, job.progress);
}

}  // namespace strata::app
