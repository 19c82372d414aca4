// Sharded concurrent blob index and its per-shard table (see master_index.h).
#include "repo/master_index.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "common/error.h"

namespace strata::repo {

// ---- BlobTable ----

uint32_t MasterIndex::BlobTable::tag_of(const BlobId& id) {
  uint32_t tag;  // not byte 31, which picks the shard
  std::memcpy(&tag, id.data(), sizeof tag);
  return tag;
}

// Robin Hood search: stops at a free slot or at one whose occupant is closer to its
// home than the id would be there, which is also where the id belongs.
MasterIndex::BlobTable::Probe MasterIndex::BlobTable::probe(const BlobId& id, uint32_t tag) const {
  if (!slots_) return {0, 0, false};
  uint32_t pos = tag & mask_;
  for (uint32_t dist = 0;; pos = (pos + 1) & mask_, dist++) {
    const Slot& s = slots_[pos];
    if (s.entry == kNoEntry || distance(s, pos) < dist) return {pos, dist, false};
    if (s.tag == tag && entry(s.entry).id == id) return {pos, dist, true};
  }
}

const MasterIndex::Entry* MasterIndex::BlobTable::find(const BlobId& id) const {
  Probe p = probe(id, tag_of(id));
  return p.found ? &entry(slots_[p.pos].entry) : nullptr;
}

std::pair<MasterIndex::Entry*, bool> MasterIndex::BlobTable::try_emplace(const BlobId& id) {
  uint32_t tag = tag_of(id);
  Probe p = probe(id, tag);
  if (p.found) return {&entry(slots_[p.pos].entry), false};
  // Allocate before changing anything: a failed allocation leaves the id absent.
  if (!slots_ || size_ + 1 > (mask_ + 1) / 8 * 7) {
    grow_slots();
    p = probe(id, tag);
  }
  reserve_entry();
  uint32_t index = size_++;
  Entry& e = entry(index);
  e.id = id;
  e.loc = BlobLocation{};
  place(Slot{tag, index}, p.pos, p.dist);
  return {&e, true};
}

// Puts `carry` at or after pos, displacing occupants that are closer to their home.
void MasterIndex::BlobTable::place(Slot carry, uint32_t pos, uint32_t dist) {
  for (;; pos = (pos + 1) & mask_, dist++) {
    Slot& s = slots_[pos];
    if (s.entry == kNoEntry) {
      s = carry;
      return;
    }
    uint32_t d = distance(s, pos);
    if (d < dist) {
      std::swap(s, carry);
      dist = d;
    }
  }
}

void MasterIndex::BlobTable::grow_slots() {
  uint32_t old_count = slots_ ? mask_ + 1 : 0;
  if (old_count >= kMaxSlots)
    throw Error(ExitCode::failure, "blob index: too many blobs in one shard of the index");
  uint32_t count = old_count ? old_count * 2 : kMinSlots;
  auto fresh = std::make_unique_for_overwrite<Slot[]>(count);
  std::fill_n(fresh.get(), count, Slot{0, kNoEntry});
  std::unique_ptr<Slot[]> old = std::move(slots_);
  slots_ = std::move(fresh);
  mask_ = count - 1;
  for (uint32_t i = 0; i < old_count; i++)
    if (old[i].entry != kNoEntry) place(old[i], old[i].tag & mask_, 0);
}

void MasterIndex::BlobTable::reserve_entry() {
  if (size_ == kNoEntry)
    throw Error(ExitCode::failure, "blob index: too many blobs in one shard of the index");
  uint32_t chunk = size_ >> kChunkShift;
  if (chunk == 0 && size_ == first_chunk_entries_) {  // grow the first chunk
    uint32_t count = first_chunk_entries_ ? first_chunk_entries_ * 2 : kFirstChunkEntries;
    auto fresh = std::make_unique_for_overwrite<Entry[]>(count);
    if (chunks_.empty()) chunks_.emplace_back();
    std::copy_n(chunks_[0].get(), size_, fresh.get());
    chunks_[0] = std::move(fresh);
    first_chunk_entries_ = count;
  } else if (chunk == chunks_.size()) {
    chunks_.push_back(std::make_unique_for_overwrite<Entry[]>(kChunkEntries));
  }
}

// Backward-shift deletion: the following slots of the same run move one step closer
// to their home; then the last entry fills the hole its removal left, and its slot is
// pointed there. Chunks are kept for later insertions.
void MasterIndex::BlobTable::erase_at(uint32_t pos) {
  uint32_t index = slots_[pos].entry;
  for (;;) {
    uint32_t next = (pos + 1) & mask_;
    const Slot& n = slots_[next];
    if (n.entry == kNoEntry || distance(n, next) == 0) break;
    slots_[pos] = n;
    pos = next;
  }
  slots_[pos] = Slot{0, kNoEntry};
  uint32_t last = --size_;
  if (index == last) return;
  Entry& moved = entry(last);
  uint32_t p = tag_of(moved.id) & mask_;
  for (uint32_t steps = 0; slots_[p].entry != last; p = (p + 1) & mask_)
    if (++steps > mask_) std::abort();  // broken invariant: every entry has a slot
  slots_[p].entry = index;
  entry(index) = moved;
}

// ---- MasterIndex ----

void MasterIndex::add_pack(const PackId& id, const std::vector<PackEntry>& blobs) {
  uint32_t pack;
  {
    std::lock_guard<std::mutex> lock(packs_mu_);
    if (packs_.size() >= kPendingPack) throw Error(ExitCode::failure, "blob index: too many packs");
    pack = static_cast<uint32_t>(packs_.size());
    packs_.push_back(id);
  }
  for (const auto& e : blobs) {
    Shard& s = shards_[shard_of(e.id)];
    std::lock_guard<std::mutex> lock(s.mu);
    auto [entry, inserted] = s.table.try_emplace(e.id);
    if (inserted || entry->loc.pack == kPendingPack)
      entry->loc = BlobLocation{pack, e.offset, e.stored_len, e.raw_len, e.type, e.flags, e.domain};
  }
}

bool MasterIndex::reserve(const BlobId& id, BlobType type) {
  Shard& s = shards_[shard_of(id)];
  std::lock_guard<std::mutex> lock(s.mu);
  auto [entry, inserted] = s.table.try_emplace(id);
  if (inserted) {
    entry->loc.pack = kPendingPack;
    entry->loc.type = type;
  }
  return inserted;
}

void MasterIndex::unreserve(const BlobId& id) {
  Shard& s = shards_[shard_of(id)];
  std::lock_guard<std::mutex> lock(s.mu);
  s.table.erase_if(id, [](const BlobLocation& loc) { return loc.pack == kPendingPack; });
}

std::optional<BlobLocation> MasterIndex::find(const BlobId& id) const {
  const Shard& s = shards_[shard_of(id)];
  std::lock_guard<std::mutex> lock(s.mu);
  const Entry* e = s.table.find(id);
  if (!e || e->loc.pack == kPendingPack) return std::nullopt;
  return e->loc;
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
    n += s.table.size();
  }
  return n;
}

}  // namespace strata::repo
