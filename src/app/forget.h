// `forget` and `prune` as use cases: remove snapshots by id or by a retention
// policy (GFS keep rules per host/dataset/paths group), then — if asked, under the
// same exclusive lock — the data no snapshot references any more.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "app/job.h"
#include "app/repository_access.h"
#include "repo/forget_policy.h"
#include "repo/pruner.h"

namespace strata::app {

struct ForgetRequest {
  RepositoryAccess access;
  std::vector<std::string> ids;  // snapshot ids or prefixes, or
  repo::KeepPolicy policy;       // keep rules (exactly one of the two)
  bool dry_run = false;
  bool prune = false;  // prune afterwards (not with dry_run)
};

struct ForgetRow {
  repo::Snapshot snapshot;
  bool keep = false;
  std::vector<std::string> reasons;  // why it is kept ("last", "daily", ...)
};

struct ForgetGroup {
  repo::Snapshot first;  // host, dataset and paths of the group
  std::vector<ForgetRow> rows;  // newest first
};

struct ForgetOutcome {
  std::vector<ForgetGroup> groups;  // policy mode: every decision, by group
  size_t removed = 0;               // snapshots removed (dry run: that would be)
  std::optional<repo::PruneReport> prune;
};

// Error(usage) for neither or both of ids and keep rules. A damaged snapshot that
// cannot be read can still be removed by its id (unique prefix of 4+ characters).
ForgetOutcome forget(const ForgetRequest& request, Job& job);

struct PruneRequest {
  RepositoryAccess access;
  repo::PruneOptions options;  // dry run, repack threshold
  int lock_wait_seconds = 0;
};

// Takes the exclusive lock (a dry run only reads: a read lock, and it also runs on
// a repository that cannot be written) and prunes.
repo::PruneReport prune(const PruneRequest& request, Job& job);

}  // namespace strata::app
