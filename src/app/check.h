// `check` as a use case: the repository's structure, and with read_data its packs,
// verified against what the repository itself holds — never a cached copy.
#pragma once
#include "app/job.h"
#include "app/repository_access.h"
#include "repo/checker.h"

namespace strata::app {

struct CheckRequest {
  RepositoryAccess access;  // its metadata cache is not used
  repo::CheckOptions options;  // read_data, read_data_percent (threads from the Job)
};

// On object storage, tree packs are fetched whole into a scratch cache below
// access.cache_dir (or $TMPDIR) that starts empty and is removed afterwards.
repo::CheckReport check(const CheckRequest& request, Job& job);

}  // namespace strata::app
