// `restore` as a use case: a snapshot (or parts of it) into a directory, after
// the target has been judged ("/" needs allow_root), and its read plan by storage
// class without reading anything.
#pragma once
#include <string>

#include "app/job.h"
#include "app/repository_access.h"
#include "app/tier.h"
#include "common/error.h"
#include "repo/snapshot.h"
#include "source/fs_restore.h"

namespace strata::app {

struct RestoreRequest {
  RepositoryAccess access;
  std::string snapshot;  // id, prefix or "latest"
  repo::LatestRule latest = repo::LatestRule::strict;
  source::RestoreOptions options;  // target, includes, delta, ... (threads from the Job)
  bool allow_root = false;         // --force: a target of "/" is what the operator means
};

struct RestoreOutcome {
  repo::Snapshot snapshot;
  source::RestoreResult result;
  double seconds = 0;

  // ok; integrity when corrupt data kept files from being restored; partial when
  // other paths were left alone (named in result.not_restored).
  ExitCode code() const;
};

// Opens, takes a read lock, resolves the snapshot, checks the target and restores.
// Error(usage) without a target or for "/" without allow_root; a target inside
// what the snapshot backed up is logged as a warning.
RestoreOutcome restore(const RestoreRequest& request, Job& job);

struct RestorePlanOutcome {
  repo::Snapshot snapshot;
  RestoreReadPlan plan;
};

// What restoring the requested snapshot would read from which storage class.
RestorePlanOutcome plan_restore(const RestoreRequest& request, const policy::Lifecycle& lifecycle, Job& job);

}  // namespace strata::app
