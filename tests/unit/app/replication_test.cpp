// Replica lag (the RPO of the copy elsewhere) and replication through the use
// cases, with a fake clock so ages are exact.
#include <gtest/gtest.h>

#include "app/backup.h"
#include "app/copy.h"
#include "app/replication.h"
#include "app_fixture.h"

namespace strata::app {
namespace {

using testing::AppTest;

class ReplicationTest : public AppTest {
 protected:
  void SetUp() override {
    AppTest::SetUp();
    replicas_ = {{"dr", make_repository("dr")}};
  }
  std::string backup_now(const std::string& content) {
    write_file("src/data", content);
    BackupRequest b;
    b.access = access_;
    b.paths = {dir_ + "/src"};
    b.recorded_time_ns = clock_.now_ns();
    return backup(b, job_).result.snapshot.id;
  }
  std::vector<ReplicaTarget> replicas_;
};

TEST_F(ReplicationTest, LagCountsWhatTheReplicaLacksAndHowOldItIs) {
  backup_now("one");
  clock_.advance_seconds(600);
  backup_now("two");
  clock_.advance_seconds(60);

  auto status = replication_status(access_, replicas_, job_);
  EXPECT_EQ(status.snapshots, 2u);
  ASSERT_EQ(status.replicas.size(), 1u);
  ASSERT_TRUE(status.replicas[0].lag);
  const auto& lag = *status.replicas[0].lag;
  EXPECT_FALSE(lag.in_sync());
  EXPECT_EQ(lag.missing_snapshots, 2u);
  EXPECT_EQ(lag.snapshot_lag_seconds, 660) << "measured from the oldest snapshot the replica lacks";

  auto copies = replicate(access_, replicas_, job_);
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_FALSE(copies[0].error);
  EXPECT_EQ(copies[0].snapshots.snapshots_copied, 2u);

  auto after = replication_status(access_, replicas_, job_);
  ASSERT_TRUE(after.replicas[0].lag);
  EXPECT_TRUE(after.replicas[0].lag->in_sync());
  EXPECT_EQ(after.replicas[0].lag->snapshot_lag_seconds, 0);
  EXPECT_EQ(after.unreachable(), 0u);
}

TEST_F(ReplicationTest, AnUnreachableReplicaIsReportedNotThrown) {
  backup_now("one");
  replicas_.push_back({"gone", replicas_[0].access});
  replicas_.back().access.location = dir_ + "/no-such-repository";
  auto status = replication_status(access_, replicas_, job_);
  EXPECT_EQ(status.unreachable(), 1u);
  EXPECT_FALSE(status.replicas[1].lag);
  EXPECT_NE(status.replicas[1].error.find("no repository"), std::string::npos) << status.replicas[1].error;

  auto copies = replicate(access_, replicas_, job_);
  EXPECT_FALSE(copies[0].error) << "the reachable replica is still filled";
  ASSERT_TRUE(copies[1].error);
  EXPECT_EQ(copies[1].error->code(), ExitCode::repo_missing);
}

TEST_F(ReplicationTest, CopyRefusesTheSameRepositoryAndIsIdempotent) {
  backup_now("one");
  CopyRequest same;
  same.from = access_;
  same.to = access_;
  same.all = true;
  try {
    copy(same, job_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
  CopyRequest c = same;
  c.to = replicas_[0].access;
  EXPECT_EQ(copy(c, job_).snapshots_copied, 1u);
  auto again = copy(c, job_);
  EXPECT_EQ(again.snapshots_copied, 0u);
  EXPECT_EQ(again.snapshots_present, 1u);
}

}  // namespace
}  // namespace strata::app
