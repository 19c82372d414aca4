// Disk full (FaultBackend over a MemoryBackend failing puts): save_blob/flush/
// save_snapshot throw ExitCode::io saying "disk full"; once space is back, a fresh
// open + check_repository (read_data) finds no errors and earlier snapshots restore.
// Also: retrying in the same process after a failed flush must not silently drop
// the blobs of the failed pack or index. Every test runs twice: packs committed
// by the writing worker (local disk) and uploaded in the background (a backend
// that says it is remote, as object storage does).
#include <gtest/gtest.h>

#include "repo/checker.h"
#include "snapshot_builder.h"

namespace strata::repo {
namespace {

using namespace testing;

class DiskFullTest : public ::testing::TestWithParam<bool> {
 protected:
  // A FaultBackend over `mem`, remote when the test's parameter says so.
  std::unique_ptr<storage::FaultBackend> fault_view(storage::MemoryBackend& mem) {
    auto b = std::make_unique<storage::FaultBackend>(mem);
    b->pretend_remote(GetParam());
    return b;
  }
  void SetUp() override { open_on(mem_, small_options()); }
  // A new repository on `mem`, opened through a FaultBackend.
  void open_on(storage::MemoryBackend& mem, const InitOptions& options) {
    Repository::init(mem, secret_, options, slot_info("keyfile"));
    repo_ = Repository::open(fault_view(mem), secret_);
    repo_->load_index();
    fault_ = static_cast<storage::FaultBackend*>(&repo_->backend());
  }
  template <class F>
  void expect_disk_full(F&& f) {
    std::string msg;
    EXPECT_EQ(code_of(f, &msg), ExitCode::io);
    EXPECT_TRUE(contains(msg, "disk full")) << msg;
  }
  // Fresh process view after the disk was freed: no errors (warnings allowed).
  CheckReport check_fresh() { return check_fresh(mem_); }
  CheckReport check_fresh(storage::MemoryBackend& mem) {
    auto repo = Repository::open(view_of(mem), secret_);
    CheckOptions o;
    o.read_data = true;
    ProgressCounters p;
    CheckReport rep = check_repository(*repo, o, p);
    EXPECT_TRUE(rep.errors.empty()) << joined(rep.errors);
    return rep;
  }
  BlobId save(ByteView d) {
    BlobId id = repo_->blob_id(d);
    repo_->save_blob(BlobType::data, id, d);
    return id;
  }

  storage::MemoryBackend mem_;
  crypto::Secret secret_ = key_file_secret();
  std::unique_ptr<Repository> repo_;
  storage::FaultBackend* fault_ = nullptr;
};

TEST_P(DiskFullTest, FlushFailsWritingThePack) {
  Bytes d = random_data(10000, 61);
  save(d);
  fault_->fail_puts_after_count(0);
  expect_disk_full([&] { repo_->flush(); });
  fault_->clear_faults();
  CheckReport rep = check_fresh();
  EXPECT_EQ(rep.packs, 0u);
  EXPECT_TRUE(mem_.list("data").empty()) << "no partial pack";
}

TEST_P(DiskFullTest, FlushFailsWritingTheIndex) {
  save(random_data(10000, 62));
  fault_->fail_puts_after_count(1);  // the pack fits, its index does not
  expect_disk_full([&] { repo_->flush(); });
  fault_->clear_faults();
  CheckReport rep = check_fresh();
  EXPECT_EQ(rep.warnings.size(), 1u) << "the unindexed pack is garbage for prune";
}

TEST_P(DiskFullTest, SaveBlobFailsWhenAPackFills) {
  fault_->fail_puts_after_bytes(3 * 1024 * 1024);
  std::string msg;
  size_t saved = 0;
  ExitCode code = code_of(
      [&] {
        for (int i = 0; i < 100; ++i, ++saved) save(random_data(200000, 1000 + i));
        repo_->flush();
      },
      &msg);
  EXPECT_EQ(code, ExitCode::io);
  EXPECT_TRUE(contains(msg, "disk full")) << msg;
  EXPECT_GT(saved, 5u) << "some packs were written before the disk filled";
  fault_->clear_faults();
  check_fresh();
}

TEST_P(DiskFullTest, SnapshotFailureLeavesEarlierSnapshotsRestorable) {
  // First snapshot succeeds.
  Bytes a = random_data(30000, 63);
  BlobId ia = save(a);
  Tree t;
  t.nodes.push_back(file_node("a", {ia}, a.size()));
  Snapshot s1;
  s1.host = "h";
  s1.tree = repo_->blob_id(encode_tree(t), BlobType::tree);
  repo_->save_blob(BlobType::tree, s1.tree, encode_tree(t));
  save_snapshot(*repo_, s1);
  // The second fails at some put: try each position.
  for (uint64_t n = 0; n < 4; ++n) {
    Bytes b = random_data(30000, 64 + n);
    BlobId ib = save(b);
    Tree t2;
    t2.nodes.push_back(file_node("b", {ib}, b.size()));
    Snapshot s2;
    s2.host = "h";
    s2.time_ns = 1 + static_cast<int64_t>(n);
    s2.tree = repo_->blob_id(encode_tree(t2), BlobType::tree);
    repo_->save_blob(BlobType::tree, s2.tree, encode_tree(t2));
    fault_->fail_puts_after_count(n);
    std::string msg;
    ExitCode code = code_of([&] { save_snapshot(*repo_, s2); }, &msg);
    fault_->clear_faults();
    if (code != ExitCode::ok) {
      EXPECT_EQ(code, ExitCode::io);
      EXPECT_TRUE(contains(msg, "disk full")) << msg;
    }
    check_fresh();
    // Whatever snapshots exist are complete; the first one restores.
    auto fresh = Repository::open(view_of(mem_), secret_);
    fresh->load_index();
    EXPECT_EQ(fresh->load_blob(ia, BlobType::data), a);
    // Reset the in-process state for the next round, as a new process would.
    repo_ = Repository::open(fault_view(mem_), secret_);
    repo_->load_index();
    fault_ = static_cast<storage::FaultBackend*>(&repo_->backend());
  }
}

// After a failed flush the process may retry (e.g. a daemon after freeing space).
// The blobs of a pack that could not be written must not stay "reserved" in the
// index, or a retried save_blob() would skip them and they would never be stored.
TEST_P(DiskFullTest, RetryAfterFailedPackWriteStoresTheBlob) {
  Bytes d = random_data(10000, 65);
  BlobId id = save(d);
  fault_->fail_puts_after_count(0);
  expect_disk_full([&] { repo_->flush(); });
  fault_->clear_faults();
  EXPECT_TRUE(repo_->save_blob(BlobType::data, id, d)) << "blob reported as already stored";
  repo_->flush();
  std::string msg;
  EXPECT_EQ(code_of([&] { EXPECT_EQ(repo_->load_blob(id, BlobType::data), d); }, &msg), ExitCode::ok)
      << msg;
}

// The disk fills while a pack is being streamed (a piece of it cannot be written):
// the save fails, the half-written pack is dropped with all its blobs, and saving
// the same blobs again once space is back stores every one of them.
TEST_P(DiskFullTest, DiskFullMidPackDropsThePackAndRetryStoresEveryBlob) {
  storage::MemoryBackend mem;
  InitOptions o = small_options();
  o.pack_size = 8 * 1024 * 1024;  // pieces of a megabyte go out long before it is full
  open_on(mem, o);
  std::vector<Bytes> data;
  for (int i = 0; i < 12; ++i) data.push_back(random_data(300000, 2000 + i));
  fault_->fail_puts_after_bytes(2500 * 1024);  // the third piece of the first pack
  expect_disk_full([&] {
    for (const auto& d : data) save(d);
    repo_->flush();
  });
  fault_->clear_faults();
  std::vector<BlobId> ids;
  for (const auto& d : data) ids.push_back(save(d));
  repo_->flush();
  for (size_t i = 0; i < data.size(); ++i) {
    std::string msg;
    EXPECT_EQ(code_of([&] { EXPECT_EQ(repo_->load_blob(ids[i], BlobType::data), data[i]); }, &msg),
              ExitCode::ok)
        << "blob " << i << ": " << msg;
  }
  EXPECT_EQ(mem.list("data").size(), 1u) << "one pack, and nothing of the dropped one";
  check_fresh(mem);
}

// Same, when the pack was written but its index file was not: the pack must stay
// pending so the next flush() indexes it before any snapshot that needs it.
TEST_P(DiskFullTest, RetryAfterFailedIndexWriteIndexesThePack) {
  Bytes d = random_data(10000, 66);
  BlobId id = save(d);
  fault_->fail_puts_after_count(1);
  expect_disk_full([&] { repo_->flush(); });
  fault_->clear_faults();
  Tree t;
  t.nodes.push_back(file_node("d", {id}, d.size()));
  Snapshot s;
  s.host = "h";
  s.tree = repo_->blob_id(encode_tree(t), BlobType::tree);
  repo_->save_blob(BlobType::tree, s.tree, encode_tree(t));
  save_snapshot(*repo_, s);  // succeeds
  auto fresh = Repository::open(view_of(mem_), secret_);
  fresh->load_index();
  std::string msg;
  EXPECT_EQ(code_of([&] { fresh->load_blob(id, BlobType::data); }, &msg), ExitCode::ok)
      << "snapshot " << s.id.substr(0, 8) << " committed but its data is unindexed: " << msg;
  check_fresh();
}

INSTANTIATE_TEST_SUITE_P(Commit, DiskFullTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "Background" : "Inline"; });

}  // namespace
}  // namespace strata::repo
