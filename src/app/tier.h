// Storage tiers as use cases: where the packs sit and what that costs
// (`stats --by-tier`), what a restore would read from which class and what that
// costs in time and money (`restore --plan`), and moving packs to the class their
// age calls for (`tier apply`). Results are plain structs; callers render them.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "app/job.h"
#include "app/repository_access.h"
#include "policy/lifecycle.h"
#include "repo/repository.h"
#include "repo/snapshot.h"

namespace strata::app {

struct ClassUsage {
  uint64_t objects = 0;  // objects (or packs, per dataset)
  uint64_t bytes = 0;
  double monthly_cost_usd = 0;  // storage price of `bytes` (per class only)
};

struct TierStats {
  // Every object by class; "local" on a local repository without tier directories.
  std::map<std::string, ClassUsage> classes;
  // Packs by the dataset of their newest snapshot ("(unreferenced)": none), then class.
  std::map<std::string, std::map<std::string, ClassUsage>> datasets;
  double monthly_cost_usd = 0;
};

TierStats tier_stats(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                     const policy::Lifecycle& lifecycle);

struct RestoreReadClass {
  uint64_t packs = 0, pack_bytes = 0, needed_bytes = 0;
  bool needs_restore_request = false;  // archived: readable only after a restore request
  double retrieval_cost_usd = 0;
  double retrieval_hours = 0;
};

struct RestoreReadPlan {
  std::map<std::string, RestoreReadClass> classes;
  uint64_t missing_packs = 0;  // named by the index, absent from the store
  double retrieval_cost_usd = 0;
  double wait_hours = 0;  // the slowest class
};

// What restoring `snap` would read, by storage class; reads no pack.
RestoreReadPlan plan_restore_reads(repo::Repository& repo, const repo::Snapshot& snap,
                                   const policy::Lifecycle& lifecycle);

struct TierMove {
  std::string name, from, to;
  uint64_t size = 0;
};

struct TierPlan {
  std::vector<TierMove> moves;
  // (from, to) -> packs and bytes moved
  std::map<std::pair<std::string, std::string>, ClassUsage> summary;
  uint64_t archived_in_use = 0;  // archived packs newer snapshots use: they stay until restored
};

// The moves that bring every referenced pack to the class (object storage) or tier
// directory (local disk) its age at `now_ns` calls for. Tree packs stay hot.
TierPlan plan_tier_moves(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                         const policy::Lifecycle& lifecycle, int64_t now_ns);

struct TierApplyRequest {
  RepositoryAccess access;
  policy::Lifecycle lifecycle;  // strata.yaml lifecycle (ages, classes, directories, prices)
  bool dry_run = false;
};

// `tier apply`: opens the repository, takes a shared lock, records the tier
// directories of a local repository (before anything moves, so later commands find
// the packs without the configuration), plans and — unless dry_run — moves.
// Error(usage) for a local repository without lifecycle.directories.
TierPlan apply_tiers(const TierApplyRequest& request, Job& job);

}  // namespace strata::app
