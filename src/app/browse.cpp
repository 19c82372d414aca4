// Listing, dumping and comparing snapshots (see browse.h).
#include "app/browse.h"

#include "common/error.h"
#include "repo/tree_walk.h"
#include "source/fs_restore.h"

namespace strata::app {
namespace {

struct Opened {
  std::unique_ptr<repo::Repository> repo;
  repo::SnapshotList snaps;
};

Opened open_with_index(const RepositoryAccess& access, const Job& job) {
  Opened o{open_repository(access, job), {}};
  o.repo->load_index();
  o.snaps = load_snapshot_list_logged(*o.repo);
  return o;
}

Error path_not_found(const std::string& path, const repo::Snapshot& snap) {
  return Error(ExitCode::not_found, "path " + path + " not found in snapshot " + snap.id.substr(0, 8));
}

}  // namespace

void list_files(const SnapshotQuery& query, const std::string& path, const NodeVisitor& visit, Job& job) {
  auto o = open_with_index(query.access, job);
  const auto& snap = repo::resolve_snapshot(o.snaps, query.snapshot, query.latest);
  const std::string prefix = repo::normalize_snapshot_path(path);
  auto visit_all = [&](const std::string& below, const repo::BlobId& tree) {
    repo::walk_tree(*o.repo, tree, [&](const std::string& p, const repo::Node& n) {
      job.cancel.throw_if_cancelled();
      visit(below + p, n);
      return true;
    });
  };
  if (prefix == "/") return visit_all("", snap.tree);
  auto node = repo::find_node(*o.repo, snap.tree, prefix);
  if (!node) throw path_not_found(prefix, snap);
  visit(prefix, *node);
  if (node->type == repo::NodeType::dir && node->subtree) visit_all(prefix, *node->subtree);
}

void dump_file(const SnapshotQuery& query, const std::string& path, int fd, Job& job) {
  auto o = open_with_index(query.access, job);
  const auto& snap = repo::resolve_snapshot(o.snaps, query.snapshot, query.latest);
  auto node = repo::find_node(*o.repo, snap.tree, path);
  if (!node) throw path_not_found(path, snap);
  if (node->type != repo::NodeType::file)
    throw Error(ExitCode::usage, "path " + path + " is a " + repo::node_type_name(node->type) + ", not a file");
  source::write_file_content(*o.repo, *node, fd);
}

DiffCounts diff_snapshots(const RepositoryAccess& access, const std::string& a, const std::string& b,
                          repo::LatestRule latest,
                          const std::function<void(repo::TreeChange, const std::string& path)>& emit, Job& job) {
  auto o = open_with_index(access, job);
  const auto& from = repo::resolve_snapshot(o.snaps, a, latest);
  const auto& to = repo::resolve_snapshot(o.snaps, b, latest);
  DiffCounts counts{};
  repo::diff_trees(*o.repo, from.tree, to.tree, [&](repo::TreeChange c, const std::string& path) {
    counts[static_cast<size_t>(c)]++;
    emit(c, path);
  });
  return counts;
}

}  // namespace strata::app
