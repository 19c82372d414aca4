// The in-memory index of every blob in the repository, built from all index files
// plus the packs written by this process. Sharded so that the backup workers can
// look up and reserve blob ids concurrently without a global lock; each shard is a
// compact open-addressing table (about 60-70 bytes per blob, see BlobTable) because
// backup, restore, check and prune hold the whole index in memory.
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
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

// Thread safety: every member function may be called concurrently with any other.
class MasterIndex {
 public:
  // Adds every blob of a pack (duplicates across packs keep the first location; a
  // pending reservation of the id is replaced by the blob's location).
  void add_pack(const PackId& id, const std::vector<PackEntry>& blobs);

  // Reserves `id` for storing by this process: true if nobody has it or is writing
  // it (the caller must then store it), false if it exists or is in flight.
  bool reserve(const BlobId& id, BlobType type);
  // Drops a reservation whose write failed (a committed blob is left alone).
  void unreserve(const BlobId& id);

  // The location of a committed blob; nullopt if unknown or only reserved.
  std::optional<BlobLocation> find(const BlobId& id) const;
  bool has(const BlobId& id) const { return find(id).has_value(); }

  PackId pack_id(uint32_t pack) const;  // throws std::out_of_range for a bad index
  size_t pack_count() const;
  size_t blob_count() const;  // committed blobs plus pending reservations

  // Calls f(id, location) for every committed blob (not pending reservations), with
  // the blob's shard locked: f must not call back into this index.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& shard : shards_) {
      std::lock_guard<std::mutex> lock(shard.mu);
      shard.table.for_each(f);
    }
  }

 private:
  struct Entry {  // 52 bytes, 4-byte aligned, stored densely
    BlobId id;
    BlobLocation loc;
  };
  static_assert(sizeof(Entry) == 52 && alignof(Entry) == 4);

  // One shard's blobs: entries are appended to fixed-size chunks (dense, never
  // moved by growth), and a Robin Hood linear-probing table of 8-byte slots maps an
  // id to its entry. A slot keeps 32 bits of the id (bytes 0-3, uniformly random
  // since ids are HMAC outputs) as hash: its low bits give the home slot and the rest
  // rejects most non-matching slots without touching the entry. The table doubles
  // when more than 7/8 full; erasure shifts the following slots back (no
  // tombstones) and moves the last entry into the hole. Not thread-safe.
  class BlobTable {
   public:
    const Entry* find(const BlobId& id) const;
    // The entry for `id`, and whether it was created (then its location is default).
    std::pair<Entry*, bool> try_emplace(const BlobId& id);
    // Removes `id` if pred(location) holds for it.
    template <class Pred>
    void erase_if(const BlobId& id, Pred pred) {
      Probe p = probe(id, tag_of(id));
      if (p.found && pred(entry(slots_[p.pos].entry).loc)) erase_at(p.pos);
    }
    size_t size() const { return size_; }

    template <class F>
    void for_each(F& f) const {
      for (uint32_t i = 0; i < size_; i++) {
        const Entry& e = entry(i);
        if (e.loc.pack != kPendingPack) f(e.id, e.loc);
      }
    }

   private:
    struct Slot {
      uint32_t tag;    // bytes 0-3 of the id
      uint32_t entry;  // index of the entry; kNoEntry if the slot is free
    };
    struct Probe {
      uint32_t pos;   // the matching slot, or where the id would be inserted
      uint32_t dist;  // pos's distance from the id's home slot
      bool found;
    };
    static constexpr uint32_t kNoEntry = 0xffffffffu;
    static constexpr uint32_t kMinSlots = 16;
    static constexpr uint32_t kMaxSlots = 1u << 31;
    static constexpr uint32_t kChunkShift = 9;  // 512 entries (26 KiB) per chunk
    static constexpr uint32_t kChunkEntries = 1u << kChunkShift;
    static constexpr uint32_t kFirstChunkEntries = 8;  // the first chunk grows to full size

    static uint32_t tag_of(const BlobId& id);
    uint32_t distance(const Slot& s, uint32_t pos) const { return (pos - s.tag) & mask_; }
    const Entry& entry(uint32_t i) const {
      return chunks_[i >> kChunkShift][i & (kChunkEntries - 1)];
    }
    Entry& entry(uint32_t i) { return chunks_[i >> kChunkShift][i & (kChunkEntries - 1)]; }

    Probe probe(const BlobId& id, uint32_t tag) const;
    void place(Slot carry, uint32_t pos, uint32_t dist);
    void grow_slots();
    void reserve_entry();  // makes room for entry index size_
    void erase_at(uint32_t pos);

    std::unique_ptr<Slot[]> slots_;  // null until the first insertion
    uint32_t mask_ = 0;              // slot count - 1
    uint32_t size_ = 0;              // entries
    uint32_t first_chunk_entries_ = 0;
    std::vector<std::unique_ptr<Entry[]>> chunks_;
  };

  struct alignas(64) Shard {  // own cache lines: workers lock different shards
    mutable std::mutex mu;
    BlobTable table;
  };
  static size_t shard_of(const BlobId& id) { return id[31] % kShards; }
  static constexpr size_t kShards = 64;

  std::array<Shard, kShards> shards_;
  mutable std::mutex packs_mu_;
  std::deque<PackId> packs_;
};

}  // namespace strata::repo
