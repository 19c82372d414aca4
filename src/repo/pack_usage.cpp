// Pack usage by snapshots (see pack_usage.h).
#include "repo/pack_usage.h"

#include <algorithm>

#include "repo/tree_walk.h"

namespace strata::repo {

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
    for_each_blob(repo, s->tree, seen, [&](const BlobId& id, BlobType type) {
      auto loc = repo.index().find(id);
      if (!loc) return;
      PackUse& u = out[repo.index().pack_id(loc->pack)];
      if (u.newest_ns == 0) u = PackUse{s->time_ns, s->dataset, type == BlobType::tree};
    });
  return out;
}

std::map<PackId, uint64_t> packs_of_snapshot(Repository& repo, const Snapshot& snap) {
  std::map<PackId, uint64_t> out;
  std::set<BlobId> seen;
  for_each_blob(repo, snap.tree, seen, [&](const BlobId& id, BlobType) {
    if (auto loc = repo.index().find(id)) out[repo.index().pack_id(loc->pack)] += loc->stored_len;
  });
  return out;
}

}  // namespace strata::repo
