// Loading trees from the repository and walking them: depth-first traversal with
// paths, and lookup of one path. Shared by ls, restore, dump, diff, stats, check
// and prune.
#pragma once
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "common/error.h"
#include "repo/repository.h"
#include "repo/tree.h"

namespace strata::repo {

// Loads and parses a tree blob; throws Error(integrity) naming the tree if corrupt.
Tree load_tree(Repository& repo, const BlobId& id);

// Calls visit(path, node) for every node below `root` in depth-first, name order.
// Paths are absolute within the snapshot ("/srv/data/file"). If visit returns false
// for a directory, its content is skipped.
// With `on_error`, a tree that cannot be loaded (integrity errors only) is reported
// with the path of its directory ("" for the root) and skipped; without, it throws.
void walk_tree(Repository& repo, const BlobId& root,
               const std::function<bool(const std::string& path, const Node& node)>& visit,
               const std::function<void(const std::string& path, const Error& error)>& on_error = {});

// Finds the node at `path` ("/srv/data/file"; "/" returns nullopt: the root has no
// node). Returns nullopt if absent.
// Calls `visit(id, type)` once for every tree and data blob under `root` that is
// not yet in `seen` (which it fills), loading each tree once; shared subtrees
// already seen are not walked again.
void for_each_blob(Repository& repo, const BlobId& root, std::set<BlobId>& seen,
                   const std::function<void(const BlobId& id, BlobType type)>& visit);

std::optional<Node> find_node(Repository& repo, const BlobId& root, const std::string& path);

// Normalizes a user-given snapshot path: leading '/', no trailing '/', no "." parts.
std::string normalize_snapshot_path(const std::string& path);

}  // namespace strata::repo
