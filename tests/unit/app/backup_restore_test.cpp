// backup → restore → forget → prune → check through the use cases, as the daemon
// will call them: request structs in, result structs out, no CLI.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "app/backup.h"
#include "app/browse.h"
#include "app/check.h"
#include "app/copy.h"
#include "app/forget.h"
#include "app/restore.h"
#include "app/stats.h"
#include "repo/lock.h"
#include "app_fixture.h"

namespace strata::app {
namespace {

using testing::AppTest;

class BackupRestoreTest : public AppTest {
 protected:
  BackupOutcome backup_src(const std::string& tag = "") {
    BackupRequest b;
    b.access = access_;
    b.paths = {dir_ + "/src"};
    if (!tag.empty()) b.tags = {tag};
    auto out = backup(b, job_);
    clock_.advance_ns(60'000'000'000);  // the next snapshot is a minute newer
    return out;
  }
};

TEST_F(BackupRestoreTest, RestoredTreeEqualsTheSource) {
  write_file("src/a.txt", "alpha");
  write_file("src/sub/b.bin", std::string(300000, 'b'));
  auto out = backup_src();
  EXPECT_EQ(out.code(), ExitCode::ok);
  EXPECT_EQ(out.result.snapshot.summary.files_new, 2u);

  RestoreRequest r;
  r.access = access_;
  r.snapshot = "latest";
  r.options.target = dir_ + "/restored";
  auto restored = restore(r, job_);
  EXPECT_EQ(restored.code(), ExitCode::ok);
  EXPECT_EQ(restored.snapshot.id, out.result.snapshot.id);
  EXPECT_EQ(read_file(dir_ + "/restored" + dir_ + "/src/a.txt"), "alpha");
  EXPECT_EQ(read_file(dir_ + "/restored" + dir_ + "/src/sub/b.bin"), std::string(300000, 'b'));
}

TEST_F(BackupRestoreTest, SecondBackupUsesTheFirstAsParent) {
  write_file("src/a.txt", "alpha");
  auto first = backup_src();
  write_file("src/c.txt", "gamma");
  auto second = backup_src();
  EXPECT_EQ(second.result.snapshot.parent, first.result.snapshot.id);
  EXPECT_EQ(second.result.snapshot.summary.files_unchanged, 1u);
  EXPECT_EQ(second.result.snapshot.summary.files_new, 1u);
}

TEST_F(BackupRestoreTest, RequestsAreValidatedBeforeTheRepositoryIsTouched) {
  BackupRequest none;
  none.access = access_;
  try {
    backup(none, job_);
    FAIL() << "a backup of nothing must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
  RestoreRequest to_root;
  to_root.access = access_;
  to_root.snapshot = "latest";
  to_root.options.target = "/";
  write_file("src/a.txt", "alpha");
  backup_src();
  try {
    restore(to_root, job_);
    FAIL() << "a restore over / needs allow_root";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
}

TEST_F(BackupRestoreTest, UnknownSnapshotIsNotFound) {
  RestoreRequest r;
  r.access = access_;
  r.snapshot = "deadbeef";
  r.options.target = dir_ + "/restored";
  try {
    restore(r, job_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::not_found);
  }
}

TEST_F(BackupRestoreTest, ForgetByPolicyThenPruneLeavesACleanRepository) {
  for (int i = 0; i < 3; ++i) {
    write_file("src/f" + std::to_string(i), std::string(100000 + i, static_cast<char>('a' + i)));
    backup_src();
  }
  ForgetRequest dry;
  dry.access = access_;
  dry.policy.last = 1;
  dry.dry_run = true;
  auto planned = forget(dry, job_);
  ASSERT_EQ(planned.groups.size(), 1u);
  EXPECT_EQ(planned.removed, 2u);
  EXPECT_FALSE(planned.prune);

  ForgetRequest real = dry;
  real.dry_run = false;
  real.prune = true;
  auto done = forget(real, job_);
  EXPECT_EQ(done.removed, 2u);
  ASSERT_TRUE(done.prune);

  auto repo = open_repository(access_, job_);
  repo->load_index();
  auto stats = repository_stats(*repo, load_snapshots_logged(*repo));
  EXPECT_EQ(stats.snapshots, 1u);

  CheckRequest c{access_, {}};
  c.options.read_data = true;
  auto report = check(c, job_);
  EXPECT_TRUE(report.errors.empty());
}

TEST_F(BackupRestoreTest, DiffAndListSeeWhatChanged) {
  write_file("src/keep", "same");
  write_file("src/change", "before");
  write_file("src/gone/x", "x");
  const auto first = backup_src().result.snapshot.id;
  write_file("src/change", "after!");
  std::filesystem::remove_all(dir_ + "/src/gone");
  write_file("src/new", "n");
  const auto second = backup_src().result.snapshot.id;
  std::map<std::string, repo::TreeChange> seen;
  auto counts = diff_snapshots(access_, first, second, repo::LatestRule::strict,
                               [&](repo::TreeChange c, const std::string& path) { seen[path] = c; }, job_);
  const std::string src = dir_ + "/src";
  EXPECT_EQ(seen[src + "/change"], repo::TreeChange::modified);
  EXPECT_EQ(seen[src + "/new"], repo::TreeChange::added);
  EXPECT_EQ(seen[src + "/gone"], repo::TreeChange::removed);
  EXPECT_EQ(seen[src + "/gone/x"], repo::TreeChange::removed);
  EXPECT_FALSE(seen.contains(src + "/keep"));
  EXPECT_EQ(counts[static_cast<size_t>(repo::TreeChange::added)], 1u);
  EXPECT_EQ(counts[static_cast<size_t>(repo::TreeChange::removed)], 2u);

  std::vector<std::string> listed;
  list_files({access_, "latest", repo::LatestRule::strict}, src, [&](const std::string& p, const repo::Node&) {
    listed.push_back(p);
  }, job_);
  EXPECT_EQ(listed, (std::vector<std::string>{src, src + "/change", src + "/keep", src + "/new"}));
  try {
    list_files({access_, "latest", repo::LatestRule::strict}, src + "/gone", [](auto&, auto&) {}, job_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::not_found);
  }
}

TEST_F(BackupRestoreTest, ForgetNeedsIdsOrRulesButNotBoth) {
  ForgetRequest neither;
  neither.access = access_;
  EXPECT_THROW(forget(neither, job_), Error);
  ForgetRequest both = neither;
  both.ids = {"abcd"};
  both.policy.last = 1;
  EXPECT_THROW(forget(both, job_), Error);
}

TEST_F(BackupRestoreTest, CancelledJobStopsWithInterrupted) {
  write_file("src/a.txt", "alpha");
  backup_src();
  backup_src();
  CancelSource cancel;
  cancel.cancel("interrupted by test");
  job_.cancel = cancel.token();
  ForgetRequest f;
  f.access = access_;
  f.policy.last = 1;
  try {
    forget(f, job_);
    FAIL() << "a cancelled job must not run to its end";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::interrupted);
  }
  job_.cancel = CancelToken();
  auto repo = open_repository(access_, job_);
  EXPECT_EQ(load_snapshots_logged(*repo).size(), 2u) << "nothing removed after the cancellation";
}

// Every long use case stops with Error(interrupted) on a cancelled job, changes
// nothing a snapshot needs, and leaves no lock: the repository checks clean and
// the next run works.
class CancelledJobTest : public BackupRestoreTest {
 protected:
  void SetUp() override {
    BackupRestoreTest::SetUp();
    write_file("src/a.txt", std::string(300000, 'a'));
    write_file("src/b/c.txt", "gamma");
    snapshot_ = backup_src().result.snapshot.id;
    cancel_.cancel("interrupted by test");
    job_.cancel = cancel_.token();
  }
  template <typename Fn>
  void expect_interrupted(Fn fn) {
    try {
      fn();
      ADD_FAILURE() << "a cancelled job ran to its end";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::interrupted) << e.what();
      EXPECT_STREQ(e.what(), "interrupted by test");
    }
    job_.cancel = CancelToken();
    auto repo = open_repository(access_, job_);
    EXPECT_TRUE(repo::list_locks(*repo).empty()) << "the cancelled job's lock is gone";
    EXPECT_EQ(load_snapshots_logged(*repo).size(), 1u);
    EXPECT_TRUE(check(CheckRequest{access_, {}}, job_).errors.empty());
  }
  std::string snapshot_;
  CancelSource cancel_;
};

TEST_F(CancelledJobTest, Backup) {
  write_file("src/new.txt", "new");
  expect_interrupted([&] { backup_src(); });
}

TEST_F(CancelledJobTest, Restore) {
  RestoreRequest r;
  r.access = access_;
  r.snapshot = snapshot_;
  r.options.target = dir_ + "/restored";
  expect_interrupted([&] { restore(r, job_); });
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/restored" + dir_ + "/src/a.txt"))
      << "no file that looks restored";
}

TEST_F(CancelledJobTest, CheckAndPrune) {
  expect_interrupted([&] { check(CheckRequest{access_, {}}, job_); });
  job_.cancel = cancel_.token();
  expect_interrupted([&] { prune(PruneRequest{access_, {}, 0}, job_); });
}

TEST_F(CancelledJobTest, Copy) {
  CopyRequest c;
  c.from = access_;
  c.to = make_repository("copy");
  c.all = true;
  expect_interrupted([&] { copy(c, job_); });
  auto other = open_repository(c.to, job_);
  EXPECT_TRUE(load_snapshots_logged(*other).empty());
  EXPECT_TRUE(repo::list_locks(*other).empty());
}

}  // namespace
}  // namespace strata::app
