// Which packs the snapshots use, and how recently: for each pack, the newest
// snapshot that references it (its time and dataset). Tiering keeps a pack as
// hot as its newest user; a restore plan lists the packs one snapshot needs.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "repo/repository.h"
#include "repo/snapshot.h"

namespace strata::repo {

struct PackUse {
  int64_t newest_ns = 0;
  std::string dataset;  // of the newest snapshot using it
  bool trees = false;   // holds tree blobs (metadata): never leaves the hot tier
};

// Every pack reachable from `snaps` (the index must be loaded).
std::map<PackId, PackUse> pack_usage(Repository& repo, const std::vector<Snapshot>& snaps);

// The packs (with the bytes of each that the snapshot needs) one snapshot reads.
std::map<PackId, uint64_t> packs_of_snapshot(Repository& repo, const Snapshot& snap);

}  // namespace strata::repo
