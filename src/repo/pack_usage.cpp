// Pack usage by snapshots (see pack_usage.h).
#include "repo/pack_usage.h"

#include <algorithm>

#include "repo/tree_walk.h"

namespace strata::repo {
namespace {

// Calls `use(location)` for every blob under `root` not yet in `seen`.
template <typename F>
void visit_blobs(Repository& repo, const BlobId& root, std::set<BlobId>& seen, F&& use) {
  std::vector<BlobId> todo{root};
  while (!todo.empty()) {
    BlobId id = todo.back();
    todo.pop_back();
    if (!seen.insert(id).second) continue;
    if (auto loc = repo.index().find(id)) use(*loc);
    Tree t = load_tree(repo, id);
    for (const auto& n : t.nodes) {
      for (const auto& c : n.content)
        if (seen.insert(c).second)
          if (auto loc = repo.index().find(c)) use(*loc);
      if (n.subtree) todo.push_back(*n.subtree);
    }
  }
}

}  // namespace

std::map<PackId, PackUse> pack_usage(Repository& repo, const std::vector<Snapshot>& snaps) {
  std::vector<const Snapshot*> newest_first;
  for (const auto& s : snaps) newest_first.push_back(&s);
  std::sort(newest_first.begin(), newest_first.end(),
            [](const Snapshot* a, const Snapshot* b) { return a->time_ns > b->time_ns; });
  // Newest first: a blob already seen was reached by a newer snapshot, whose
  // time its pack already carries, so shared subtrees are walked once.
  std::map<PackId, PackUse> out;
  std::set<BlobId> seen;
  for (const Snapshot* s : newest_first)
    visit_blobs(repo, s->tree, seen, [&](const BlobLocation& loc) {
      PackUse& u = out[repo.index().pack_id(loc.pack)];
      if (u.newest_ns == 0) u = PackUse{s->time_ns, s->dataset};
    });
  return out;
}

std::map<PackId, uint64_t> packs_of_snapshot(Repository& repo, const Snapshot& snap) {
  std::map<PackId, uint64_t> out;
  std::set<BlobId> seen;
  visit_blobs(repo, snap.tree, seen, [&](const BlobLocation& loc) { out[repo.index().pack_id(loc.pack)] += loc.stored_len; });
  return out;
}

}  // namespace strata::repo
