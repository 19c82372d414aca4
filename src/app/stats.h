// `stats`: how much the repository holds and how well it deduplicates and
// compresses, from the index, the snapshots and a listing of the packs.
#pragma once
#include <cstdint>
#include <vector>

#include "repo/repository.h"
#include "repo/snapshot.h"

namespace strata::app {

struct RepositoryStats {
  uint64_t snapshots = 0;
  uint64_t logical_size = 0;            // all files of all snapshots
  uint64_t unique_size = 0;             // file data after deduplication
  uint64_t unique_size_with_trees = 0;  // ... plus tree blobs
  uint64_t stored_size = 0;             // packs as stored (compressed, encrypted)
  uint64_t packs = 0, data_blobs = 0, tree_blobs = 0, index_files = 0;

  double dedup_ratio() const;        // logical / unique (0 when empty)
  double compression_ratio() const;  // unique with trees / stored
  double total_saving() const;       // logical / stored
};

// `repo` with its index loaded; `snaps` its readable snapshots.
RepositoryStats repository_stats(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps);

}  // namespace strata::app
