// Repository sizes and ratios (see stats.h).
#include "app/stats.h"

namespace strata::app {
namespace {
double ratio(uint64_t a, uint64_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0; }
}  // namespace

double RepositoryStats::dedup_ratio() const { return ratio(logical_size, unique_size); }
double RepositoryStats::compression_ratio() const { return ratio(unique_size_with_trees, stored_size); }
double RepositoryStats::total_saving() const { return ratio(logical_size, stored_size); }

RepositoryStats repository_stats(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps) {
  RepositoryStats s;
  s.snapshots = snaps.size();
  for (const auto& snap : snaps) s.logical_size += snap.summary.bytes_total;
  repo.index().for_each([&](const repo::BlobId&, const repo::BlobLocation& loc) {
    s.unique_size_with_trees += loc.raw_len;
    if (loc.type == repo::BlobType::data) {
      s.unique_size += loc.raw_len;
      s.data_blobs++;
    } else {
      s.tree_blobs++;
    }
  });
  for (const auto& o : repo.backend().list("data")) {
    s.stored_size += o.size;
    s.packs++;
  }
  s.index_files = repo.loaded_index_files().size();
  return s;
}

}  // namespace strata::app
