// repair_index on the memory backend, three snapshots with an index file each: a
// deleted or corrupt index file is rebuilt from the packs (every blob found
// again, every snapshot restorable, check clean); a corrupt pack is reported and
// left alone while the others are indexed, and keeps the entries an old index file
// had for it; a second repair changes nothing; a dry run writes nothing; a write
// failing mid-repair leaves the old index usable and removes nothing; format-1
// packs (named by all their bytes) and packs whose header exceeds the first tail
// read are read; the repair takes the exclusive lock (shared for a dry run).
#include <gtest/gtest.h>

#include <map>

#include "repo/checker.h"
#include "repo/index_repair.h"
#include "repo/lock.h"
#include "repo/tree_walk.h"
#include "snapshot_builder.h"

namespace strata::repo {
namespace {

using namespace testing;

std::map<std::string, Bytes> objects_under(storage::MemoryBackend& mem, const char* dir) {
  std::map<std::string, Bytes> out;
  for (const auto& o : mem.list(dir)) out[o.name] = mem.get(o.name);
  return out;
}

// path -> content of every file of a snapshot, read through the index.
void read_tree(Repository& repo, const BlobId& tree_id, const std::string& prefix,
               std::map<std::string, Bytes>& out) {
  for (const auto& n : load_tree(repo, tree_id).nodes) {
    if (n.subtree) {
      read_tree(repo, *n.subtree, prefix + n.name + "/", out);
      continue;
    }
    Bytes content;
    for (const auto& c : n.content) append(content, repo.load_blob(c, BlobType::data));
    out[prefix + n.name] = content;
  }
}

std::map<std::string, Bytes> expected_files(const std::vector<Bytes>& files) {
  std::map<std::string, Bytes> out;
  for (size_t i = 0; i + 1 < files.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "f%03zu", i);
    out[name] = files[i];
  }
  out["sub/inner"] = files.back();
  return out;
}

class IndexRepairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int s = 0; s < 3; ++s) {
      files_.push_back({random_data(30000, 100 + s), compressible_data(50000 + 1000 * s),
                        random_data(70000, 200 + s)});
      built_.push_back(build_snapshot(r_, files_.back(), 1700000000000000000 + s * 1000000000ll));
    }
    index_files_ = r_->list_objects(ObjectKind::index);
    ASSERT_EQ(index_files_.size(), 3u) << "one index file per snapshot";
  }
  RepairIndexReport repair(bool dry_run = false, size_t max_blobs = size_t{1} << 20) {
    RepairIndexOptions o;
    o.dry_run = dry_run;
    o.threads = 2;
    o.max_blobs_per_file = max_blobs;
    ProgressCounters p;
    return repair_index(r_.open_only(), o, p);
  }
  CheckReport check() {
    CheckOptions o;
    o.read_data = true;
    o.threads = 2;
    ProgressCounters p;
    return check_repository(r_.open_only(), o, p);
  }
  // Check passes and every snapshot restores its files byte for byte.
  void expect_sound() {
    CheckReport rep = check();
    EXPECT_TRUE(rep.errors.empty()) << joined(rep.errors);
    EXPECT_TRUE(rep.warnings.empty()) << joined(rep.warnings);
    EXPECT_EQ(rep.snapshots, 3u);
    Repository& repo = r_.reopen();
    for (size_t s = 0; s < built_.size(); ++s) {
      std::map<std::string, Bytes> restored;
      read_tree(repo, built_[s].snap.tree, "", restored);
      EXPECT_EQ(restored, expected_files(files_[s])) << "snapshot " << s;
    }
  }
  std::string pack_of(const BlobId& blob) {
    Repository& repo = r_.reopen();
    auto loc = repo.index().find(blob);
    EXPECT_TRUE(loc);
    return loc ? Repository::pack_name(repo.index().pack_id(loc->pack)) : "";
  }
  // The index file that lists the packs of snapshot `s` (every index file must
  // still be readable: call before damaging any).
  std::string index_file_of(size_t s) {
    std::string pack = pack_of(built_[s].data[0]);
    for (const auto& id : index_files_) {
      std::vector<IndexedPack> packs;
      std::string reason;
      EXPECT_TRUE(parse_index(r_->load_object(ObjectKind::index, id), packs, reason)) << reason;
      for (const auto& p : packs)
        if (Repository::pack_name(p.id) == pack) return "index/" + id;
    }
    ADD_FAILURE() << "no index file lists " << pack;
    return "";
  }
  storage::FaultBackend& faults() { return dynamic_cast<storage::FaultBackend&>(r_->backend()); }

  TestRepo r_;
  std::vector<std::vector<Bytes>> files_;
  std::vector<BuiltSnapshot> built_;
  std::vector<std::string> index_files_;
};

TEST_F(IndexRepairTest, SoundRepositoryIsLeftAsItIs) {
  auto before = objects_under(r_.mem, "index");
  RepairIndexReport rep = repair();
  EXPECT_FALSE(rep.changed());
  EXPECT_EQ(rep.index_files_kept, 3u);
  EXPECT_EQ(rep.packs_read, rep.packs_total);
  EXPECT_TRUE(rep.packs_unreadable.empty());
  EXPECT_EQ(objects_under(r_.mem, "index"), before);
  EXPECT_TRUE(r_.mem.list("locks").empty()) << "the lock is released";
  expect_sound();
}

TEST_F(IndexRepairTest, DeletedIndexFileIsRebuilt) {
  std::string lost = index_file_of(1);
  r_.mem.remove(lost);
  CheckReport damaged = check();
  EXPECT_TRUE(damaged.index_damaged);
  EXPECT_FALSE(damaged.errors.empty());
  ASSERT_FALSE(damaged.unindexed_packs.empty());
  for (const auto& w : damaged.warnings) {
    EXPECT_TRUE(contains(w, "strata repair index")) << w;
    EXPECT_FALSE(contains(w, "prune")) << w;
  }

  RepairIndexReport rep = repair();
  EXPECT_TRUE(rep.packs_unreadable.empty());
  EXPECT_EQ(rep.packs_read, rep.packs_total);
  EXPECT_EQ(rep.index_files_kept, 2u);
  EXPECT_EQ(rep.index_files_written, 1u);
  EXPECT_EQ(rep.packs_reindexed, damaged.unindexed_packs.size());
  EXPECT_TRUE(rep.index_files_removed.empty());
  expect_sound();
}

TEST_F(IndexRepairTest, CorruptIndexFileIsReplaced) {
  std::string bad = index_file_of(2);
  r_.mem.raw(bad)[20] ^= 0x01;
  EXPECT_TRUE(check().index_damaged);

  RepairIndexReport rep = repair();
  ASSERT_EQ(rep.index_files_damaged.size(), 1u);
  EXPECT_EQ(rep.index_files_damaged[0].name, bad);
  EXPECT_TRUE(contains(rep.index_files_damaged[0].reason, bad)) << rep.index_files_damaged[0].reason;
  EXPECT_EQ(rep.index_files_removed, std::vector<std::string>{bad});
  EXPECT_EQ(rep.index_files_written, 1u);
  EXPECT_FALSE(r_.mem.stat(bad)) << "the damaged index file is gone once replaced";
  expect_sound();
}

TEST_F(IndexRepairTest, EveryIndexFileLostIsRebuiltInSeveralFiles) {
  for (const auto& id : index_files_) r_.mem.remove("index/" + id);
  RepairIndexReport rep = repair(false, /*max_blobs=*/3);
  EXPECT_EQ(rep.packs_reindexed, rep.packs_total);
  EXPECT_GT(rep.index_files_written, 1u);
  EXPECT_EQ(r_.mem.list("index").size(), rep.index_files_written);
  expect_sound();
}

TEST_F(IndexRepairTest, SecondRepairChangesNothing) {
  std::string lost = index_file_of(0), bad = index_file_of(1);
  r_.mem.remove(lost);
  r_.mem.raw(bad)[30] ^= 0x04;
  EXPECT_TRUE(repair().changed());
  auto after_first = objects_under(r_.mem, "index");
  RepairIndexReport again = repair();
  EXPECT_FALSE(again.changed());
  EXPECT_TRUE(again.index_files_damaged.empty());
  EXPECT_EQ(objects_under(r_.mem, "index"), after_first);
  expect_sound();
}

TEST_F(IndexRepairTest, DryRunWritesAndRemovesNothing) {
  std::string bad = index_file_of(0);
  r_.mem.raw(bad)[20] ^= 0x01;
  auto before = objects_under(r_.mem, "index");
  RepairIndexReport rep = repair(/*dry_run=*/true);
  EXPECT_EQ(rep.index_files_written, 1u);
  EXPECT_EQ(rep.index_files_removed, std::vector<std::string>{bad});
  EXPECT_EQ(objects_under(r_.mem, "index"), before);
}

TEST_F(IndexRepairTest, CorruptPackIsReportedAndLeftAlone) {
  std::string pack = pack_of(built_[1].data[2]);
  for (const auto& id : index_files_) r_.mem.remove("index/" + id);
  Bytes& bytes = r_.mem.raw(pack);
  bytes[bytes.size() - 20] ^= 0x01;  // inside the sealed header
  Bytes corrupt = bytes;

  RepairIndexReport rep = repair();
  ASSERT_EQ(rep.packs_unreadable.size(), 1u);
  EXPECT_EQ(rep.packs_unreadable[0].name, pack);
  EXPECT_TRUE(contains(rep.packs_unreadable[0].reason, pack)) << rep.packs_unreadable[0].reason;
  EXPECT_EQ(rep.packs_read, rep.packs_total - 1);
  ASSERT_TRUE(r_.mem.stat(pack)) << "an unreadable pack is never deleted";
  EXPECT_EQ(r_.mem.get(pack), corrupt);
  // Every other pack is indexed: snapshot 0 and 2 restore, their blobs are found.
  Repository& repo = r_.reopen();
  for (size_t s : {0u, 2u}) {
    std::map<std::string, Bytes> restored;
    read_tree(repo, built_[s].snap.tree, "", restored);
    EXPECT_EQ(restored, expected_files(files_[s])) << "snapshot " << s;
  }
  EXPECT_FALSE(repo.index().find(built_[1].data[2])) << "the corrupt pack's blobs are not indexed";
}

TEST_F(IndexRepairTest, UnreadablePackKeepsTheEntriesOfASupersededIndexFile) {
  // Snapshot 1's index file also names a pack that is gone, so it is superseded;
  // its entries for the pack whose header is damaged are the only way to its blobs.
  std::string header_damaged = pack_of(built_[1].data[2]);
  std::string gone = pack_of(built_[1].trees[0]);
  ASSERT_NE(header_damaged, gone);
  std::string superseded = index_file_of(1);
  r_.mem.remove(gone);
  Bytes& bytes = r_.mem.raw(header_damaged);
  bytes[bytes.size() - 20] ^= 0x01;

  RepairIndexReport rep = repair();
  ASSERT_EQ(rep.packs_unreadable.size(), 1u);
  EXPECT_EQ(rep.packs_missing, std::vector<std::string>{gone});
  EXPECT_EQ(rep.index_files_removed, std::vector<std::string>{superseded});
  Repository& repo = r_.reopen();
  EXPECT_EQ(repo.load_blob(built_[1].data[2], BlobType::data), files_[1][2])
      << "blobs of a pack with a damaged header stay readable";
  EXPECT_FALSE(repo.index().find(built_[1].trees[0])) << "entries of a missing pack are dropped";
  EXPECT_TRUE(r_.mem.stat(header_damaged));
  EXPECT_FALSE(repair().changed()) << "a second repair keeps the carried entries";
}

TEST_F(IndexRepairTest, WriteFailingMidRepairLeavesTheOldIndexUsable) {
  std::string lost = index_file_of(0), bad = index_file_of(2);
  r_.mem.remove(lost);
  r_.mem.raw(bad)[20] ^= 0x01;
  auto before = objects_under(r_.mem, "index");
  for (uint64_t fail_at : {1u, 2u}) {  // put 0 is the lock; then the first or second index file
    Repository& repo = r_.open_only();
    faults().fail_puts_after_count(fail_at);
    RepairIndexOptions o;
    o.max_blobs_per_file = 3;  // several new index files
    ProgressCounters p;
    std::string msg;
    EXPECT_EQ(code_of([&] { repair_index(repo, o, p); }, &msg), ExitCode::io) << msg;
    faults().clear_faults();
    for (const auto& [name, bytes] : before) EXPECT_EQ(r_.mem.get(name), bytes) << name << " was changed";
    EXPECT_EQ(r_.mem.list("index").size(), before.size() + fail_at - 1);
    // The old index still loads as before: snapshot 1 restores.
    std::vector<std::string> problems;
    r_.open_only().load_index(&problems);
    EXPECT_EQ(problems.size(), 1u) << joined(problems);
    std::map<std::string, Bytes> restored;
    read_tree(*r_, built_[1].snap.tree, "", restored);
    EXPECT_EQ(restored, expected_files(files_[1]));
  }
  RepairIndexReport rep = repair();
  EXPECT_EQ(rep.index_files_removed, std::vector<std::string>{bad});
  expect_sound();
}

TEST_F(IndexRepairTest, TakesTheExclusiveLock) {
  Repository& repo = r_.open_only();
  auto held = RepoLock::acquire(repo, false, "backup");
  RepairIndexOptions o;
  ProgressCounters p;
  EXPECT_EQ(code_of([&] { repair_index(*r_, o, p); }), ExitCode::lock_held);
  o.dry_run = true;  // a shared lock goes with other shared locks
  EXPECT_EQ(code_of([&] { repair_index(*r_, o, p); }), ExitCode::ok);
}

TEST(IndexRepairFormatTest, VersionOnePacksAreRebuilt) {
  InitOptions options = small_options();
  options.format_version = 1;
  TestRepo r(options);
  std::vector<Bytes> files{random_data(40000, 7), compressible_data(30000), random_data(9000, 8)};
  BuiltSnapshot built = build_snapshot(r, files);
  for (const auto& id : r->list_objects(ObjectKind::index)) r.mem.remove("index/" + id);
  RepairIndexOptions o;
  ProgressCounters p;
  RepairIndexReport rep = repair_index(r.open_only(), o, p);
  EXPECT_TRUE(rep.packs_unreadable.empty());
  EXPECT_EQ(rep.packs_read, rep.packs_total);
  Repository& repo = r.reopen();
  for (size_t i = 0; i < files.size(); ++i) EXPECT_EQ(repo.load_blob(built.data[i], BlobType::data), files[i]);
  // A flipped blob byte changes a version-1 pack's name: reported, not indexed.
  std::string pack = Repository::pack_name(repo.index().pack_id(repo.index().find(built.data[0])->pack));
  r.mem.raw(pack)[100] ^= 0x01;
  rep = repair_index(r.open_only(), o, p);
  ASSERT_EQ(rep.packs_unreadable.size(), 1u);
  EXPECT_TRUE(contains(rep.packs_unreadable[0].reason, "does not match its name")) << rep.packs_unreadable[0].reason;
}

TEST(IndexRepairFormatTest, LargeHeaderTakesASecondRead) {
  TestRepo r;
  std::vector<BlobId> ids;
  for (int i = 0; i < 2000; ++i) ids.push_back(r.save(BlobType::data, random_data(100, 5000 + i)));
  r->flush();
  auto packs = r.mem.list("data");
  ASSERT_EQ(packs.size(), 1u);
  auto id = Repository::pack_id_from_name(packs[0].name);
  ASSERT_TRUE(id);
  PackHeaderRead read = read_pack_header(*r, *id, packs[0].size);
  ASSERT_TRUE(read.ok) << read.reason;
  ASSERT_EQ(read.entries.size(), ids.size());
  EXPECT_EQ(read.entries.front().id, ids.front());
  EXPECT_EQ(read.entries.back().id, ids.back());
  PackHeaderRead short_one = read_pack_header(*r, *id, 10);
  EXPECT_FALSE(short_one.ok);
}

}  // namespace
}  // namespace strata::repo
