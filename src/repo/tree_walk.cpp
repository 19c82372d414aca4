// Tree loading, traversal and path lookup (see tree_walk.h).
#include "repo/tree_walk.h"

#include <sstream>

#include "common/error.h"

namespace strata::repo {

Tree load_tree(Repository& repo, const BlobId& id) {
  Bytes raw = repo.load_blob(id, BlobType::tree);
  Tree t;
  std::string reason;
  if (!parse_tree(raw, t, reason))
    throw Error(ExitCode::integrity, "tree " + short_hex(id) + ": " + reason);
  return t;
}

using Visit = std::function<bool(const std::string&, const Node&)>;
using OnError = std::function<void(const std::string&, const Error&)>;

static void walk(Repository& repo, const BlobId& id, const std::string& prefix, const Visit& visit,
                 const OnError& on_error) {
  Tree t;
  try {
    t = load_tree(repo, id);
  } catch (const Error& e) {
    if (!on_error || e.code() != ExitCode::integrity) throw;
    on_error(prefix, e);
    return;
  }
  for (const auto& n : t.nodes) {
    std::string path = prefix + "/" + n.name;
    bool descend = visit(path, n);
    if (descend && n.type == NodeType::dir && n.subtree) walk(repo, *n.subtree, path, visit, on_error);
  }
}

void walk_tree(Repository& repo, const BlobId& root, const Visit& visit, const OnError& on_error) {
  walk(repo, root, "", visit, on_error);
}

std::string normalize_snapshot_path(const std::string& path) {
  std::string out;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty() || part == ".") continue;
    out += "/" + part;
  }
  return out.empty() ? "/" : out;
}

std::optional<Node> find_node(Repository& repo, const BlobId& root, const std::string& path) {
  std::string norm = normalize_snapshot_path(path);
  if (norm == "/") return std::nullopt;
  BlobId current = root;
  std::stringstream ss(norm.substr(1));
  std::string part;
  std::optional<Node> found;
  bool first = true;
  while (std::getline(ss, part, '/')) {
    if (!first) {
      if (!found || found->type != NodeType::dir || !found->subtree) return std::nullopt;
      current = *found->subtree;
    }
    first = false;
    Tree t = load_tree(repo, current);
    found.reset();
    for (auto& n : t.nodes)
      if (n.name == part) { found = std::move(n); break; }
    if (!found) return std::nullopt;
  }
  return found;
}

void for_each_blob(Repository& repo, const BlobId& root, std::set<BlobId>& seen,
                   const std::function<void(const BlobId& id, BlobType type)>& visit) {
  std::vector<BlobId> trees_to_load{root};
  while (!trees_to_load.empty()) {
    BlobId id = trees_to_load.back();
    trees_to_load.pop_back();
    if (!seen.insert(id).second) continue;
    visit(id, BlobType::tree);
    Tree t = load_tree(repo, id);
    for (const auto& n : t.nodes) {
      for (const auto& c : n.content)
        if (seen.insert(c).second) visit(c, BlobType::data);
      if (n.subtree) trees_to_load.push_back(*n.subtree);
    }
  }
}

}  // namespace strata::repo
