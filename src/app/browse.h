// Reading snapshots without restoring them: list the files of one (`ls`), write
// one file's content (`dump`), compare two (`diff`). Each opens the repository
// with its index, resolves the references and takes no lock (reads only what
// snapshots name, which prune keeps while they exist).
#pragma once
#include <array>
#include <functional>
#include <string>

#include "app/repository_access.h"
#include "repo/tree.h"
#include "repo/tree_diff.h"

namespace strata::app {

struct SnapshotQuery {
  RepositoryAccess access;
  std::string snapshot;  // id, prefix or "latest"
  repo::LatestRule latest = repo::LatestRule::strict;
};

using NodeVisitor = std::function<void(const std::string& path, const repo::Node& node)>;

// Visits the node at `path` ("/" = the whole snapshot) and everything below it,
// depth first in name order. Error(not_found) for an unknown snapshot or path.
void list_files(const SnapshotQuery& query, const std::string& path, const NodeVisitor& visit, Job& job);

// Writes the content of the file at `path` to `fd`. Error(not_found) when absent,
// Error(usage) when it is not a regular file.
void dump_file(const SnapshotQuery& query, const std::string& path, int fd, Job& job);

// Counts by change kind (indexed by repo::TreeChange).
using DiffCounts = std::array<size_t, 4>;

// Calls emit for every difference from snapshot `a` to snapshot `b`.
DiffCounts diff_snapshots(const RepositoryAccess& access, const std::string& a, const std::string& b,
                          repo::LatestRule latest,
                          const std::function<void(repo::TreeChange, const std::string& path)>& emit, Job& job);

}  // namespace strata::app
