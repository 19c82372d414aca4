// Verifying a repository (see check.h).
#include "app/check.h"

#include "common/scratch_dir.h"
#include "storage/local_backend.h"

namespace strata::app {

repo::CheckReport check(const CheckRequest& request, Job& job) {
  RepositoryAccess uncached = request.access;
  uncached.no_cache = true;
  auto repo = open_repository(uncached, job);
  // On object storage every tree would be its own GET (thousands of round trips).
  ScratchDir scratch;
  if (repo->backend().remote()) {
    scratch.create(request.access.cache_dir, "check-");
    repo->attach_cache(
        std::make_unique<storage::LocalBackend>(scratch.path(), storage::LocalBackend::Durability::unsynced));
  }
  auto lock = lock_for_reading(request.access, *repo, "check", job);
  repo::CheckOptions options = request.options;
  options.threads = job.threads;
  options.cancel = job.cancel;
  return repo::check_repository(*repo, options, job.progress);
}

}  // namespace strata::app
