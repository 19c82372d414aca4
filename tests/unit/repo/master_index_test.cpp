// MasterIndex, the in-memory blob index: many random ids found with their locations
// across table growth, duplicates keep the first committed location, reservations
// (pending until add_pack, invisible to find, counted by blob_count, dropped by
// unreserve only while pending), for_each over committed blobs only, ids that collide
// in the table's hash bits, a random mix of operations checked against a plain
// std::map model, concurrent reserve (each id won by exactly one thread) and the pack
// id table.
#include "repo/master_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

namespace strata::repo {
namespace {

BlobId random_id(std::mt19937_64& rng) {
  BlobId id;
  for (size_t i = 0; i < id.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(id.data() + i, &v, 8);
  }
  return id;
}

std::vector<BlobId> random_ids(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<BlobId> ids(n);
  for (auto& id : ids) id = random_id(rng);
  return ids;
}

// A pack entry whose fields all derive from `n`, so a wrong location is noticed.
PackEntry entry_for(const BlobId& id, uint32_t n) {
  PackEntry e;
  e.id = id;
  e.type = n % 3 == 0 ? BlobType::tree : BlobType::data;
  e.flags = static_cast<uint8_t>(n % 2);
  e.domain = static_cast<uint16_t>(n % 7);
  e.offset = n * 16;
  e.stored_len = n + 100;
  e.raw_len = n + 50;
  return e;
}

PackId pack_id_for(uint32_t n) {
  PackId id{};
  std::memcpy(id.data(), &n, sizeof n);
  id[31] = 0xaa;
  return id;
}

void expect_location(const MasterIndex& index, const PackEntry& e, uint32_t pack) {
  auto loc = index.find(e.id);
  ASSERT_TRUE(loc.has_value());
  EXPECT_EQ(loc->pack, pack);
  EXPECT_EQ(loc->offset, e.offset);
  EXPECT_EQ(loc->stored_len, e.stored_len);
  EXPECT_EQ(loc->raw_len, e.raw_len);
  EXPECT_EQ(loc->type, e.type);
  EXPECT_EQ(loc->flags, e.flags);
  EXPECT_EQ(loc->domain, e.domain);
}

std::map<BlobId, BlobLocation> committed(const MasterIndex& index) {
  std::map<BlobId, BlobLocation> out;
  index.for_each([&](const BlobId& id, const BlobLocation& loc) {
    EXPECT_TRUE(out.emplace(id, loc).second) << "for_each visited an id twice";
  });
  return out;
}

bool same_location(const BlobLocation& a, const BlobLocation& b) {
  return a.pack == b.pack && a.offset == b.offset && a.stored_len == b.stored_len &&
         a.raw_len == b.raw_len && a.type == b.type && a.flags == b.flags && a.domain == b.domain;
}

// Adds `ids` as packs of `per_pack` blobs; returns the entries, blob i in pack i / per_pack.
std::vector<PackEntry> add_in_packs(MasterIndex& index, const std::vector<BlobId>& ids,
                                    size_t per_pack) {
  std::vector<PackEntry> all;
  for (size_t first = 0; first < ids.size(); first += per_pack) {
    std::vector<PackEntry> pack;
    for (size_t i = first; i < std::min(ids.size(), first + per_pack); i++)
      pack.push_back(entry_for(ids[i], static_cast<uint32_t>(i)));
    index.add_pack(pack_id_for(static_cast<uint32_t>(first / per_pack)), pack);
    all.insert(all.end(), pack.begin(), pack.end());
  }
  return all;
}

TEST(MasterIndexTest, EmptyIndexFindsNothing) {
  MasterIndex index;
  std::mt19937_64 rng(1);
  EXPECT_FALSE(index.find(random_id(rng)).has_value());
  EXPECT_FALSE(index.has(BlobId{}));
  EXPECT_EQ(index.blob_count(), 0u);
  EXPECT_EQ(index.pack_count(), 0u);
  EXPECT_TRUE(committed(index).empty());
  index.unreserve(random_id(rng));  // no-op
  EXPECT_EQ(index.blob_count(), 0u);
}

TEST(MasterIndexTest, FindsManyRandomIdsWithTheirLocations) {
  MasterIndex index;
  auto ids = random_ids(200000, 2);
  auto entries = add_in_packs(index, ids, 1000);
  EXPECT_EQ(index.blob_count(), ids.size());
  EXPECT_EQ(index.pack_count(), 200u);
  for (size_t i = 0; i < entries.size(); i++) {
    expect_location(index, entries[i], static_cast<uint32_t>(i / 1000));
    if (HasFailure()) FAIL() << "blob " << i;
  }
  for (const auto& id : random_ids(200000, 3)) ASSERT_FALSE(index.has(id));
}

TEST(MasterIndexTest, DuplicateKeepsFirstCommittedLocation) {
  MasterIndex index;
  auto ids = random_ids(3000, 4);
  add_in_packs(index, ids, 1000);
  std::vector<PackEntry> again;
  for (size_t i = 0; i < ids.size(); i += 2) again.push_back(entry_for(ids[i], 999999));
  index.add_pack(pack_id_for(77), again);
  EXPECT_EQ(index.blob_count(), ids.size());
  EXPECT_EQ(index.pack_count(), 4u);
  for (size_t i = 0; i < ids.size(); i++)
    expect_location(index, entry_for(ids[i], static_cast<uint32_t>(i)),
                    static_cast<uint32_t>(i / 1000));
  // A duplicate inside one pack keeps its first entry too.
  BlobId id = random_ids(1, 5)[0];
  index.add_pack(pack_id_for(78), {entry_for(id, 1), entry_for(id, 2)});
  expect_location(index, entry_for(id, 1), 4);
}

TEST(MasterIndexTest, ReservationIsPendingUntilAddPack) {
  MasterIndex index;
  BlobId id = random_ids(1, 6)[0];
  EXPECT_TRUE(index.reserve(id, BlobType::tree));
  EXPECT_FALSE(index.reserve(id, BlobType::tree));  // in flight
  EXPECT_FALSE(index.reserve(id, BlobType::data));
  EXPECT_FALSE(index.find(id).has_value());  // find ignores pending
  EXPECT_FALSE(index.has(id));
  EXPECT_EQ(index.blob_count(), 1u);  // pending reservations are counted
  EXPECT_TRUE(committed(index).empty());

  index.add_pack(pack_id_for(0), {entry_for(id, 42)});  // replaces the reservation
  expect_location(index, entry_for(id, 42), 0);
  EXPECT_EQ(index.blob_count(), 1u);
  EXPECT_FALSE(index.reserve(id, BlobType::data));  // exists
  index.unreserve(id);                              // committed: left alone
  expect_location(index, entry_for(id, 42), 0);
  EXPECT_EQ(committed(index).size(), 1u);
}

TEST(MasterIndexTest, UnreserveDropsOnlyPending) {
  MasterIndex index;
  auto ids = random_ids(5000, 7);
  for (const auto& id : ids) ASSERT_TRUE(index.reserve(id, BlobType::data));
  EXPECT_EQ(index.blob_count(), ids.size());
  // Commit the first half, then unreserve everything: only the second half goes.
  std::vector<PackEntry> half;
  for (size_t i = 0; i < ids.size() / 2; i++)
    half.push_back(entry_for(ids[i], static_cast<uint32_t>(i)));
  index.add_pack(pack_id_for(0), half);
  for (const auto& id : ids) index.unreserve(id);
  EXPECT_EQ(index.blob_count(), ids.size() / 2);
  for (size_t i = 0; i < ids.size(); i++) {
    if (i < ids.size() / 2)
      expect_location(index, half[i], 0);
    else
      EXPECT_FALSE(index.has(ids[i]));
  }
  // Dropped ids can be reserved again; committed ones cannot.
  for (size_t i = 0; i < ids.size(); i++)
    EXPECT_EQ(index.reserve(ids[i], BlobType::data), i >= ids.size() / 2) << i;
}

TEST(MasterIndexTest, UnreserveKeepsOtherBlobsIntact) {
  MasterIndex index;
  auto ids = random_ids(20000, 8);
  auto entries = add_in_packs(index, ids, 500);
  auto pending = random_ids(20000, 9);
  for (const auto& id : pending) ASSERT_TRUE(index.reserve(id, BlobType::data));
  for (size_t i = 0; i < pending.size(); i += 3) index.unreserve(pending[i]);
  for (size_t i = 0; i < entries.size(); i++)
    expect_location(index, entries[i], static_cast<uint32_t>(i / 500));
  for (size_t i = 0; i < pending.size(); i++)
    EXPECT_EQ(index.reserve(pending[i], BlobType::data), i % 3 == 0) << i;
  EXPECT_EQ(index.blob_count(), ids.size() + pending.size());
}

TEST(MasterIndexTest, GrowsAcrossManyResizesOfOneShard) {
  MasterIndex index;
  std::mt19937_64 rng(10);
  std::vector<PackEntry> entries;
  for (uint32_t i = 0; i < 70000; i++) {
    BlobId id = random_id(rng);
    id[31] = 5;  // all in one shard
    entries.push_back(entry_for(id, i));
    index.add_pack(pack_id_for(i), {entries.back()});
    if ((i & (i + 1)) == 0 || i % 9973 == 0) {  // after each power of two and now and then
      for (uint32_t j = 0; j <= i; j++) expect_location(index, entries[j], j);
      ASSERT_FALSE(HasFailure()) << "after " << i + 1 << " blobs";
    }
  }
  EXPECT_EQ(index.blob_count(), entries.size());
  EXPECT_EQ(committed(index).size(), entries.size());
}

// Ids that share the table's hash bits (bytes 0-3) or only its home slot form long
// probe runs; insertion, lookup and removal in the middle of a run must still work.
TEST(MasterIndexTest, CollidingHashBits) {
  MasterIndex index;
  std::mt19937_64 rng(11);
  std::vector<BlobId> ids;
  for (int i = 0; i < 3000; i++) {
    BlobId id = random_id(rng);
    id[31] = 9;
    if (i % 2 == 0) {
      std::memset(id.data(), 0x5c, 4);  // same hash bits
    } else {
      std::memset(id.data(), 0x5c, 2);  // same home slot (< 65536 slots), other hash bits
    }
    ids.push_back(id);
  }
  for (const auto& id : ids) ASSERT_TRUE(index.reserve(id, BlobType::data));
  for (size_t i = 0; i < ids.size(); i += 4) index.unreserve(ids[i]);
  std::vector<PackEntry> pack;
  for (size_t i = 0; i < ids.size(); i++)
    if (i % 4 != 0) pack.push_back(entry_for(ids[i], static_cast<uint32_t>(i)));
  index.add_pack(pack_id_for(0), pack);
  for (size_t i = 0; i < ids.size(); i++) {
    if (i % 4 == 0)
      EXPECT_FALSE(index.has(ids[i])) << i;
    else
      expect_location(index, entry_for(ids[i], static_cast<uint32_t>(i)), 0);
  }
  EXPECT_EQ(index.blob_count(), pack.size());
  EXPECT_EQ(committed(index).size(), pack.size());
}

// What MasterIndex must do, written as plainly as possible.
struct ModelIndex {
  std::map<BlobId, BlobLocation> blobs;  // pack == kPendingPack while reserved
  uint32_t packs = 0;

  void add_pack(const std::vector<PackEntry>& entries) {
    uint32_t pack = packs++;
    for (const auto& e : entries) {
      auto [it, inserted] = blobs.try_emplace(e.id);
      if (inserted || it->second.pack == kPendingPack)
        it->second =
            BlobLocation{pack, e.offset, e.stored_len, e.raw_len, e.type, e.flags, e.domain};
    }
  }
  bool reserve(const BlobId& id, BlobType type) {
    auto [it, inserted] = blobs.try_emplace(id);
    if (inserted) it->second = BlobLocation{kPendingPack, 0, 0, 0, type, 0, 0};
    return inserted;
  }
  void unreserve(const BlobId& id) {
    auto it = blobs.find(id);
    if (it != blobs.end() && it->second.pack == kPendingPack) blobs.erase(it);
  }
  std::map<BlobId, BlobLocation> committed() const {
    std::map<BlobId, BlobLocation> out;
    for (const auto& [id, loc] : blobs)
      if (loc.pack != kPendingPack) out.emplace(id, loc);
    return out;
  }
};

TEST(MasterIndexTest, RandomOperationsMatchModel) {
  MasterIndex index;
  ModelIndex model;
  std::mt19937_64 rng(12);
  // A small pool, concentrated on few shards, so ids are often seen again.
  std::vector<BlobId> pool;
  for (int i = 0; i < 6000; i++) {
    BlobId id = random_id(rng);
    id[31] = static_cast<uint8_t>(i % 3);
    pool.push_back(id);
  }
  auto pick = [&] { return pool[rng() % pool.size()]; };
  for (int step = 0; step < 60000; step++) {
    switch (rng() % 8) {
      case 0: {
        std::vector<PackEntry> entries;
        for (uint64_t n = rng() % 40; n > 0; n--)
          entries.push_back(entry_for(pick(), static_cast<uint32_t>(rng())));
        index.add_pack(pack_id_for(model.packs), entries);
        model.add_pack(entries);
        break;
      }
      case 1:
      case 2:
      case 3: {
        BlobId id = pick();
        BlobType type = rng() % 2 ? BlobType::data : BlobType::tree;
        ASSERT_EQ(index.reserve(id, type), model.reserve(id, type)) << "step " << step;
        break;
      }
      case 4:
      case 5: {
        BlobId id = pick();
        index.unreserve(id);
        model.unreserve(id);
        break;
      }
      default: {
        BlobId id = pick();
        auto want = model.blobs.find(id);
        auto got = index.find(id);
        bool committed_in_model = want != model.blobs.end() && want->second.pack != kPendingPack;
        ASSERT_EQ(got.has_value(), committed_in_model) << "step " << step;
        if (got) {
          ASSERT_TRUE(same_location(*got, want->second)) << "step " << step;
        }
      }
    }
    if (step % 5000 == 0 || step == 59999) {
      ASSERT_EQ(index.blob_count(), model.blobs.size()) << "step " << step;
      auto got = committed(index);
      auto want = model.committed();
      ASSERT_EQ(got.size(), want.size()) << "step " << step;
      for (const auto& [id, loc] : want) {
        auto it = got.find(id);
        ASSERT_TRUE(it != got.end()) << "step " << step;
        ASSERT_TRUE(same_location(it->second, loc)) << "step " << step;
      }
    }
  }
  EXPECT_EQ(index.pack_count(), model.packs);
}

TEST(MasterIndexTest, ForEachSeesExactlyCommittedBlobs) {
  MasterIndex index;
  auto ids = random_ids(10000, 13);
  auto entries = add_in_packs(index, ids, 1000);
  auto pending = random_ids(3000, 14);
  for (const auto& id : pending) ASSERT_TRUE(index.reserve(id, BlobType::tree));
  auto seen = committed(index);
  ASSERT_EQ(seen.size(), ids.size());
  for (size_t i = 0; i < entries.size(); i++) {
    auto it = seen.find(entries[i].id);
    ASSERT_TRUE(it != seen.end()) << i;
    EXPECT_EQ(it->second.pack, i / 1000);
    EXPECT_EQ(it->second.offset, entries[i].offset);
  }
  for (const auto& id : pending) EXPECT_EQ(seen.count(id), 0u);
}

TEST(MasterIndexTest, ConcurrentReserveGivesEachIdToOneThread) {
  MasterIndex index;
  auto ids = random_ids(40000, 15);
  constexpr int kThreads = 6;
  std::vector<std::atomic<int>> wins(ids.size());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++)
    threads.emplace_back([&, t] {
      std::vector<size_t> order(ids.size());
      for (size_t i = 0; i < order.size(); i++) order[i] = i;
      std::shuffle(order.begin(), order.end(), std::mt19937_64(100 + t));
      for (size_t i : order)
        if (index.reserve(ids[i], BlobType::data)) wins[i]++;
    });
  for (auto& th : threads) th.join();
  for (size_t i = 0; i < ids.size(); i++) ASSERT_EQ(wins[i].load(), 1) << i;
  EXPECT_EQ(index.blob_count(), ids.size());
  EXPECT_TRUE(committed(index).empty());
}

TEST(MasterIndexTest, ConcurrentAddPackFindAndUnreserve) {
  MasterIndex index;
  constexpr int kThreads = 4;
  constexpr size_t kPerThread = 20000;
  std::vector<std::vector<BlobId>> ids;
  for (int t = 0; t < kThreads; t++) ids.push_back(random_ids(kPerThread, 200 + t));
  std::atomic<bool> wrong{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++)
    threads.emplace_back([&, t] {
      // Reserve everything, commit the even ones in packs of 100, drop the odd ones.
      for (const auto& id : ids[t])
        if (!index.reserve(id, BlobType::data)) wrong = true;
      for (size_t first = 0; first < kPerThread; first += 100) {
        std::vector<PackEntry> pack;
        for (size_t i = first; i < first + 100; i += 2) pack.push_back(entry_for(ids[t][i], 1));
        index.add_pack(pack_id_for(static_cast<uint32_t>(t)), pack);
        for (size_t i = first + 1; i < first + 100; i += 2) index.unreserve(ids[t][i]);
        for (size_t i = first; i < first + 100; i++)
          if (index.has(ids[t][i]) != (i % 2 == 0)) wrong = true;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_FALSE(wrong);
  EXPECT_EQ(index.blob_count(), kThreads * kPerThread / 2);
  EXPECT_EQ(index.pack_count(), kThreads * kPerThread / 100);
  for (int t = 0; t < kThreads; t++)
    for (size_t i = 0; i < kPerThread; i++) {
      auto loc = index.find(ids[t][i]);
      ASSERT_EQ(loc.has_value(), i % 2 == 0);
      if (loc) {
        EXPECT_EQ(index.pack_id(loc->pack), pack_id_for(static_cast<uint32_t>(t)));
      }
    }
}

TEST(MasterIndexTest, PackIdTable) {
  MasterIndex index;
  for (uint32_t p = 0; p < 300; p++) index.add_pack(pack_id_for(p), {});
  EXPECT_EQ(index.pack_count(), 300u);
  EXPECT_EQ(index.blob_count(), 0u);
  for (uint32_t p = 0; p < 300; p++) EXPECT_EQ(index.pack_id(p), pack_id_for(p));
  EXPECT_THROW(index.pack_id(300), std::out_of_range);
  EXPECT_THROW(index.pack_id(kPendingPack), std::out_of_range);
}

}  // namespace
}  // namespace strata::repo
