// What changed between two trees: added, removed, content modified, or only
// metadata changed — for `diff` and for anything that compares two snapshots
// (restore tests, drills). Identical subtrees (same id) are skipped unread.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "repo/blob.h"
#include "repo/repository.h"

namespace strata::repo {

enum class TreeChange { added, removed, modified, metadata };

// "added", "removed", "modified", "metadata"
const char* tree_change_name(TreeChange c);
// '+', '-', 'M', 'U'
char tree_change_mark(TreeChange c);

// Calls emit(change, path) for every difference below roots `a` and `b` (either
// may be absent: everything on the other side is then added or removed), in name
// order; a directory replaced by a file is removed, then added.
void diff_trees(Repository& repo, const std::optional<BlobId>& a, const std::optional<BlobId>& b,
                const std::function<void(TreeChange, const std::string& path)>& emit);

}  // namespace strata::repo
