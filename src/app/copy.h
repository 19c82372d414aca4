// `copy` as a use case: snapshots and every blob they need from one repository to
// another — raw when both share the master key, re-encrypted otherwise;
// idempotent, since copies carry the original snapshot id.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "app/job.h"
#include "app/repository_access.h"
#include "repo/copier.h"

namespace strata::app {

struct CopyRequest {
  RepositoryAccess from, to;
  std::vector<std::string> snapshots;  // references (ids, prefixes, "latest"), or
  bool all = false;                    // every readable snapshot passing the filters
  std::string dataset, host;           // filters of `all` ("" = any)
  std::function<void(const std::string& line)> log;  // one line per snapshot; may be empty
};

// Error(usage) for neither or both of snapshots and all, or for the same
// repository on both sides; reads `from` under a read lock, writes `to` under a
// shared lock.
repo::CopyReport copy(const CopyRequest& request, Job& job);

}  // namespace strata::app
