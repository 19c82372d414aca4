// Differences between two trees (see tree_diff.h).
#include "repo/tree_diff.h"

#include <map>

#include "repo/tree_walk.h"

namespace strata::repo {
namespace {

using Emit = std::function<void(TreeChange, const std::string&)>;

bool same_metadata(const Node& a, const Node& b) {
  return a.mode == b.mode && a.uid == b.uid && a.gid == b.gid && a.mtime_ns == b.mtime_ns &&
         a.link_target == b.link_target && a.xattrs == b.xattrs && a.type == b.type;
}

std::map<std::string, Node> nodes_by_name(Repository& repo, const std::optional<BlobId>& tree) {
  std::map<std::string, Node> out;
  if (tree)
    for (auto& n : load_tree(repo, *tree).nodes) out.emplace(n.name, std::move(n));
  return out;
}

// `n` at `path` and, for a directory, everything below it.
void emit_all_below(Repository& repo, TreeChange c, const Node& n, const std::string& path, const Emit& emit) {
  emit(c, path);
  if (n.type == NodeType::dir && n.subtree)
    walk_tree(repo, *n.subtree, [&](const std::string& p, const Node&) {
      emit(c, path + p);
      return true;
    });
}

void diff_below(Repository& repo, const std::optional<BlobId>& a, const std::optional<BlobId>& b,
                const std::string& prefix, const Emit& emit);

void diff_node(Repository& repo, const Node& l, const Node& r, const std::string& path, const Emit& emit) {
  if (l.type != r.type) {
    emit_all_below(repo, TreeChange::removed, l, path, emit);
    emit_all_below(repo, TreeChange::added, r, path, emit);
  } else if (l.type == NodeType::dir) {
    if (!same_metadata(l, r)) emit(TreeChange::metadata, path);
    diff_below(repo, l.subtree, r.subtree, path, emit);
  } else if (l.content != r.content || l.size != r.size || l.link_target != r.link_target) {
    emit(TreeChange::modified, path);
  } else if (!same_metadata(l, r)) {
    emit(TreeChange::metadata, path);
  }
}

void diff_below(Repository& repo, const std::optional<BlobId>& a, const std::optional<BlobId>& b,
                const std::string& prefix, const Emit& emit) {
  if (a && b && *a == *b) return;  // identical subtrees (same id = same content)
  const auto left = nodes_by_name(repo, a), right = nodes_by_name(repo, b);
  for (const auto& [name, l] : left) {
    auto it = right.find(name);
    if (it == right.end()) emit_all_below(repo, TreeChange::removed, l, prefix + "/" + name, emit);
    else diff_node(repo, l, it->second, prefix + "/" + name, emit);
  }
  for (const auto& [name, r] : right)
    if (!left.contains(name)) emit_all_below(repo, TreeChange::added, r, prefix + "/" + name, emit);
}

}  // namespace

const char* tree_change_name(TreeChange c) {
  switch (c) {
    case TreeChange::added: return "added";
    case TreeChange::removed: return "removed";
    case TreeChange::modified: return "modified";
    case TreeChange::metadata: return "metadata";
  }
  return "?";
}

char tree_change_mark(TreeChange c) {
  switch (c) {
    case TreeChange::added: return '+';
    case TreeChange::removed: return '-';
    case TreeChange::modified: return 'M';
    case TreeChange::metadata: return 'U';
  }
  return '?';
}

void diff_trees(Repository& repo, const std::optional<BlobId>& a, const std::optional<BlobId>& b,
                const std::function<void(TreeChange, const std::string& path)>& emit) {
  diff_below(repo, a, b, "", emit);
}

}  // namespace strata::repo
