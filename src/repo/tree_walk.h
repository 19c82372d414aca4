// Loading trees from the repository and walking them: depth-first traversal with
// paths, and lookup of one path. Shared by ls, restore, dump, diff, stats, check
// and prune.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "repo/repository.h"
#include "repo/tree.h"

namespace strata::repo {

// Loads and parses a tree blob; throws Error(integrity) naming the tree if corrupt.
Tree load_tree(Repository& repo, const BlobId& id);

// Calls visit(path, node) for every node below `root` in depth-first, name order.
// Paths are absolute within the snapshot ("/srv/data/file"). If visit returns false
// for a directory, its content is skipped.
void walk_tree(Repository& repo, const BlobId& root,
               const std::function<bool(const std::string& path, const Node& node)>& visit);

// Finds the node at `path` ("/srv/data/file"; "/" returns nullopt: the root has no
// node). Returns nullopt if absent.
std::optional<Node> find_node(Repository& repo, const BlobId& root, const std::string& path);

// Normalizes a user-given snapshot path: leading '/', no trailing '/', no "." parts.
std::string normalize_snapshot_path(const std::string& path);

}  // namespace strata::repo
