// check_repository on a hand-built snapshot: a sound repository passes (structure
// and read_data); a flipped byte in a data pack is reported naming the pack (only
// with read_data); a removed pack is reported missing by the structural check; a
// corrupt index object is reported naming index/<id>; a truncated pack, an
// unindexed pack (warning only: prune removes it), a corrupt tree and a missing data
// blob are found; after a lost index file the unindexed packs are to be indexed
// again ('strata repair index'), not pruned.
#include <gtest/gtest.h>

#include "repo/checker.h"
#include "snapshot_builder.h"

namespace strata::repo {
namespace {

using namespace testing;

class CheckerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = {random_data(30000, 41), compressible_data(50000), random_data(1000, 42),
              random_data(70000, 43)};
    built_ = build_snapshot(r_, files_);
  }
  CheckReport check(bool read_data) {
    Repository& repo = r_.open_only();
    CheckOptions o;
    o.read_data = read_data;
    o.threads = 2;
    ProgressCounters p;
    return check_repository(repo, o, p);
  }
  std::string data_pack() {
    auto loc = r_->index().find(built_.data[0]);
    EXPECT_TRUE(loc);
    return Repository::pack_name(r_->index().pack_id(loc->pack));
  }

  TestRepo r_;
  std::vector<Bytes> files_;
  BuiltSnapshot built_;
};

TEST_F(CheckerTest, SoundRepositoryPasses) {
  for (bool read_data : {false, true}) {
    CheckReport rep = check(read_data);
    EXPECT_TRUE(rep.errors.empty()) << joined(rep.errors);
    EXPECT_TRUE(rep.warnings.empty()) << joined(rep.warnings);
    EXPECT_EQ(rep.snapshots, 1u);
    EXPECT_EQ(rep.trees, 2u);
    EXPECT_EQ(rep.packs, 2u);
    if (read_data) {
      EXPECT_EQ(rep.packs_read, 2u);
      EXPECT_EQ(rep.blobs_read, files_.size() + 2);
    }
  }
  // The blobs really round trip through the trees.
  for (size_t i = 0; i < files_.size(); ++i)
    EXPECT_EQ(r_->load_blob(built_.data[i], BlobType::data), files_[i]);
}

TEST_F(CheckerTest, FlippedDataByteFoundWithReadData) {
  std::string pack = data_pack();
  auto loc = r_->index().find(built_.data[1]);
  r_.mem.raw(pack)[loc->offset + 40] ^= 0x01;
  CheckReport structural = check(false);
  EXPECT_TRUE(structural.errors.empty()) << "sizes are intact: " << joined(structural.errors);
  CheckReport rep = check(true);
  ASSERT_FALSE(rep.errors.empty());
  std::string all = joined(rep.errors);
  EXPECT_TRUE(contains(all, pack)) << all;
  EXPECT_TRUE(contains(all, short_hex(built_.data[1]))) << all;
}

TEST_F(CheckerTest, FlippedHeaderByteFoundWithReadData) {
  std::string pack = data_pack();
  Bytes& raw = r_.mem.raw(pack);
  raw[raw.size() - kPackTrailerSize - 20] ^= 0x80;  // inside the sealed header
  CheckReport rep = check(true);
  std::string all = joined(rep.errors);
  EXPECT_TRUE(contains(all, pack + ": header fails authentication")) << all;
}

TEST_F(CheckerTest, RemovedPackReportedMissing) {
  std::string pack = data_pack();
  r_.mem.remove(pack);
  CheckReport rep = check(false);
  std::string all = joined(rep.errors);
  EXPECT_TRUE(contains(all, pack + ": pack named by the index is missing")) << all;
}

TEST_F(CheckerTest, TruncatedPackReported) {
  std::string pack = data_pack();
  r_.mem.raw(pack).pop_back();
  CheckReport rep = check(false);
  std::string all = joined(rep.errors);
  EXPECT_TRUE(contains(all, pack)) << all;
  EXPECT_TRUE(contains(all, "truncated")) << all;
}

TEST_F(CheckerTest, CorruptIndexReportedByName) {
  auto ids = r_->list_objects(ObjectKind::index);
  ASSERT_EQ(ids.size(), 1u);
  r_.mem.raw("index/" + ids[0])[10] ^= 0x10;
  CheckReport rep = check(false);
  std::string all = joined(rep.errors);
  EXPECT_TRUE(contains(all, "index/" + ids[0])) << all;
  // Its packs are now unindexed and its blobs missing for the snapshot.
  EXPECT_FALSE(rep.warnings.empty());
}

TEST_F(CheckerTest, UnindexedPackIsOnlyAWarning) {
  r_.save(BlobType::data, random_data(5000, 44));
  r_->flush();
  auto ids = r_->list_objects(ObjectKind::index);
  ASSERT_EQ(ids.size(), 2u);
  // Remove the newest index file (the one naming only the new pack).
  for (const auto& id : ids)
    if (id != r_->loaded_index_files().front()) r_.mem.remove("index/" + id);
  CheckReport rep = check(true);
  EXPECT_TRUE(rep.errors.empty()) << joined(rep.errors);
  ASSERT_EQ(rep.warnings.size(), 1u);
  EXPECT_TRUE(contains(rep.warnings[0], "not in any index")) << rep.warnings[0];
  // Nothing needs it: a leftover that prune removes.
  EXPECT_FALSE(rep.index_damaged);
  EXPECT_TRUE(contains(rep.warnings[0], "'strata prune' removes it")) << rep.warnings[0];
}

TEST_F(CheckerTest, LostIndexFileAdvisesRepairNotPrune) {
  auto ids = r_->list_objects(ObjectKind::index);
  ASSERT_EQ(ids.size(), 1u);
  r_.mem.remove("index/" + ids[0]);
  CheckReport rep = check(false);
  EXPECT_TRUE(rep.index_damaged);
  EXPECT_FALSE(rep.errors.empty());
  std::string all = joined(rep.errors);
  EXPECT_TRUE(contains(all, "tree blob " + short_hex(built_.trees[0]) + " is not indexed")) << all;
  ASSERT_EQ(rep.unindexed_packs.size(), 2u);
  ASSERT_EQ(rep.warnings.size(), 2u);
  for (const auto& w : rep.warnings) {
    EXPECT_TRUE(contains(w, "not in any index")) << w;
    EXPECT_TRUE(contains(w, "run 'strata repair index'")) << w;
    EXPECT_FALSE(contains(w, "prune")) << w;
  }
}

TEST_F(CheckerTest, CorruptTreeAndMissingBlob) {
  auto loc = r_->index().find(built_.trees[1]);
  ASSERT_TRUE(loc);
  std::string tree_pack = Repository::pack_name(r_->index().pack_id(loc->pack));
  r_.mem.raw(tree_pack)[loc->offset + 30] ^= 0x01;
  CheckReport rep = check(false);
  std::string all = joined(rep.errors);
  EXPECT_TRUE(contains(all, "snapshot " + built_.snap.id.substr(0, 8))) << all;
  EXPECT_TRUE(contains(all, short_hex(built_.trees[1]))) << all;
}

TEST_F(CheckerTest, SnapshotNeedingUnindexedBlob) {
  // A tree naming a data blob that was never stored.
  Tree t;
  BlobId ghost = r_->blob_id(as_bytes("ghost"));
  t.nodes.push_back(file_node("ghost", {ghost}, 5));
  Snapshot s = built_.snap;
  s.tree = r_.save(BlobType::tree, encode_tree(t));
  s.time_ns += 1;
  save_snapshot(*r_, s);
  CheckReport rep = check(false);
  std::string all = joined(rep.errors);
  EXPECT_TRUE(contains(all, "needs data blob " + short_hex(ghost))) << all;
  EXPECT_EQ(rep.snapshots, 2u);
}

TEST_F(CheckerTest, CorruptSnapshotObjectReported) {
  r_.mem.raw("snapshots/" + built_.snap.id)[8] ^= 1;
  CheckReport rep = check(false);
  std::string all = joined(rep.errors);
  EXPECT_TRUE(contains(all, "snapshots/" + built_.snap.id)) << all;
}

TEST(CheckerPackSizeTest, ExpectedPackSizeMatchesWrittenPacks) {
  TestRepo r;
  for (int i = 0; i < 5; ++i) r.save(BlobType::data, random_data(1000 + i * 997, 45 + i));
  r->flush();
  auto packs = r->backend().list("data");
  ASSERT_EQ(packs.size(), 1u);
  std::vector<PackEntry> entries;
  r->index().for_each([&](const BlobId& id, const BlobLocation& l) {
    PackEntry e;
    e.id = id;
    e.offset = l.offset;
    e.stored_len = l.stored_len;
    entries.push_back(e);
  });
  EXPECT_EQ(expected_pack_size(entries), packs[0].size);
  PackId pid{};
  Bytes raw;
  ASSERT_TRUE(from_hex(packs[0].name.substr(packs[0].name.rfind('/') + 1), raw));
  std::copy(raw.begin(), raw.end(), pid.begin());
  std::vector<PackEntry> none;
  EXPECT_TRUE(verify_pack(*r, pid, none).empty());
}

}  // namespace
}  // namespace strata::repo
