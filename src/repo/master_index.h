// The in-memory index of every blob in the repository, built from all index files
// plus the packs written by this process. Sharded so that the backup workers can
// look up and reserve blob ids concurrently without a global lock.
#pragma once
#include <array>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "repo/index_format.h"

namespace strata::repo {

struct BlobLocation {
  uint32_t pack = 0;  // index into pack_ids(); kPendingPack while being written
  uint32_t offset = 0;
  uint32_t stored_len = 0;
  uint32_t raw_len = 0;
  BlobType type = BlobType::data;
  uint8_t flags = 0;
  uint16_t domain = 0;
};

constexpr uint32_t kPendingPack = 0xffffffffu;

class MasterIndex {
 public:
  // Adds every blob of a pack (duplicates across packs keep the first location).
  void add_pack(const PackId& id, const std::vector<PackEntry>& blobs);

  // Reserves `id` for storing by this process: true if nobody has it or is writing
  // it (the caller must then store it), false if it exists or is in flight.
  bool reserve(const BlobId& id, BlobType type);
  // Drops a reservation whose write failed.
  void unreserve(const BlobId& id);

  std::optional<BlobLocation> find(const BlobId& id) const;
  bool has(const BlobId& id) const { return find(id).has_value(); }

  PackId pack_id(uint32_t pack) const;
  size_t pack_count() const;
  size_t blob_count() const;

  // Calls f(id, location) for every committed blob (not pending reservations).
  template <class F>
  void for_each(F&& f) const {
    for (const auto& shard : shards_) {
      std::lock_guard<std::mutex> lock(shard.mu);
      for (const auto& [id, loc] : shard.map)
        if (loc.pack != kPendingPack) f(id, loc);
    }
  }

 private:
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<BlobId, BlobLocation, BlobIdHash> map;
  };
  static size_t shard_of(const BlobId& id) { return id[31] % kShards; }
  static constexpr size_t kShards = 64;

  std::array<Shard, kShards> shards_;
  mutable std::mutex packs_mu_;
  std::deque<PackId> packs_;
};

}  // namespace strata::repo
