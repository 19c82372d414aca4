// Retention policy for `forget`: which snapshots of a group to keep and why, in the
// style of restic's --keep-* options. Pure functions of the snapshot list and time.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "repo/snapshot.h"

namespace strata::repo {

struct KeepPolicy {
  int last = 0, hourly = 0, daily = 0, weekly = 0, monthly = 0, yearly = 0;
  int64_t within_ns = 0;  // keep everything this young (relative to the newest snapshot)
  std::vector<std::string> tags;  // keep snapshots carrying any of these tags
  bool empty() const;
};

struct ForgetDecision {
  const Snapshot* snapshot = nullptr;
  bool keep = false;
  std::vector<std::string> reasons;  // e.g. "last", "daily", "within 30d", "tag:db"
};

// Group key: host, dataset and sorted paths.
std::string snapshot_group_key(const Snapshot& s);

// Decides for one group; `group` in any order; result newest first.
std::vector<ForgetDecision> apply_keep_policy(const std::vector<const Snapshot*>& group,
                                              const KeepPolicy& policy);

}  // namespace strata::repo
