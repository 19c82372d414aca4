// Sharded concurrent blob index (see master_index.h).
#include "repo/master_index.h"

namespace strata::repo {

void MasterIndex::add_pack(const PackId& id, const std::vector<PackEntry>& blobs) {
  uint32_t pack;
  {
    std::lock_guard<std::mutex> lock(packs_mu_);
    pack = static_cast<uint32_t>(packs_.size());
    packs_.push_back(id);
  }
  for (const auto& e : blobs) {
    Shard& s = shards_[shard_of(e.id)];
    std::lock_guard<std::mutex> lock(s.mu);
    auto [it, inserted] = s.map.try_emplace(e.id);
    if (inserted || it->second.pack == kPendingPack)
      it->second = BlobLocation{pack, e.offset, e.stored_len, e.raw_len, e.type, e.flags, e.domain};
  }
}

bool MasterIndex::reserve(const BlobId& id, BlobType type) {
  Shard& s = shards_[shard_of(id)];
  std::lock_guard<std::mutex> lock(s.mu);
  auto [it, inserted] = s.map.try_emplace(id);
  if (inserted) {
    it->second.pack = kPendingPack;
    it->second.type = type;
  }
  return inserted;
}

void MasterIndex::unreserve(const BlobId& id) {
  Shard& s = shards_[shard_of(id)];
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.map.find(id);
  if (it != s.map.end() && it->second.pack == kPendingPack) s.map.erase(it);
}

std::optional<BlobLocation> MasterIndex::find(const BlobId& id) const {
  const Shard& s = shards_[shard_of(id)];
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.map.find(id);
  if (it == s.map.end() || it->second.pack == kPendingPack) return std::nullopt;
  return it->second;
}

PackId MasterIndex::pack_id(uint32_t pack) const {
  std::lock_guard<std::mutex> lock(packs_mu_);
  return packs_.at(pack);
}

size_t MasterIndex::pack_count() const {
  std::lock_guard<std::mutex> lock(packs_mu_);
  return packs_.size();
}

size_t MasterIndex::blob_count() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    n += s.map.size();
  }
  return n;
}

}  // namespace strata::repo
