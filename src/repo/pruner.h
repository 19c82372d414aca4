// `prune`: removes data no snapshot references. The caller holds the exclusive lock.
// Order (crash safe at every step): repacked blobs are written to new packs and
// indexed; a consolidated index of all kept packs is written; old index files are
// removed; then unused packs are removed. A crash leaves at worst duplicate index
// entries or unreferenced packs, which the next prune removes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "common/progress.h"
#include "repo/repository.h"

namespace strata::repo {

struct PruneOptions {
  bool dry_run = false;
  double max_unused_percent = 5;  // packs with a smaller unused share are kept as they are
  // Checked while the graph is walked and blobs are repacked; once the first index
  // file or pack is removed, prune finishes (Error(interrupted) before that point).
  CancelToken cancel;
};

struct PruneReport {
  uint64_t packs_total = 0, packs_deleted = 0, packs_repacked = 0, packs_unindexed_deleted = 0;
  uint64_t blobs_used = 0, blobs_unused = 0;
  uint64_t bytes_before = 0, bytes_freed = 0, bytes_repacked = 0;
  uint64_t index_files_removed = 0, temporaries_removed = 0;
};

PruneReport prune_repository(Repository& repo, const PruneOptions& options,
                             ProgressCounters& progress);

}  // namespace strata::repo
