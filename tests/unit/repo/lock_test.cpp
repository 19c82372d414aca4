// Repository locks: shared + shared coexist; exclusive is refused while a shared
// lock is held (Error lock_held describing the holder) and vice versa; locks are
// released on destruction; a lock of a dead process on this host is stale and
// ignored (and cleaned by an exclusive acquirer); a lock not refreshed for 30 min
// is stale; an unreadable lock blocks; remove_locks removes stale or all locks; a
// repository that cannot be written is read without a lock and refused to writers.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "common/cancel.h"
#include "common/fake_clock.h"
#include "repo/lock.h"
#include "repo_test_util.h"

namespace strata::repo {
namespace {

using namespace testing;

std::string this_host() {
  char buf[256] = {0};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

// A pid that certainly belongs to no process: a child that has exited and been reaped.
int dead_pid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  waitpid(pid, &status, 0);
  return pid;
}

// Writes a lock object as lock.cpp does (sealed JSON under locks/<id>).
std::string write_lock(Repository& repo, bool exclusive, const std::string& host, int pid,
                       int64_t refreshed_ns, const std::string& id_hex = "") {
  nlohmann::json j = {{"exclusive", exclusive}, {"host", host},         {"username", "someone"},
                      {"operation", "backup"},  {"pid", pid},           {"created_ns", refreshed_ns},
                      {"refreshed_ns", refreshed_ns}};
  std::string id = id_hex.empty() ? to_hex(crypto::random_bytes(32)) : id_hex;
  repo.backend().put(Repository::object_name(ObjectKind::lock, id),
                     seal_object(repo.aead(), ObjectKind::lock, as_bytes(j.dump())));
  return id;
}

TEST(LockTest, SharedLocksCoexistExclusiveIsRefused) {
  TestRepo r;
  auto s1 = RepoLock::acquire(*r, false, "backup");
  auto s2 = RepoLock::acquire(*r, false, "check");
  EXPECT_EQ(list_locks(*r).size(), 2u);
  std::string msg;
  EXPECT_EQ(code_of([&] { RepoLock::acquire(*r, true, "prune"); }, &msg), ExitCode::lock_held);
  EXPECT_TRUE(contains(msg, "shared lock by pid " + std::to_string(getpid()))) << msg;
  EXPECT_TRUE(contains(msg, "on host " + this_host())) << msg;
  EXPECT_EQ(list_locks(*r).size(), 2u) << "a refused acquirer leaves no lock behind";
  s1.reset();
  s2.reset();
  EXPECT_TRUE(list_locks(*r).empty()) << "locks are removed on release";

  auto ex = RepoLock::acquire(*r, true, "prune");
  EXPECT_EQ(code_of([&] { RepoLock::acquire(*r, false, "backup"); }, &msg), ExitCode::lock_held);
  EXPECT_TRUE(contains(msg, "exclusive lock")) << msg;
  EXPECT_TRUE(contains(msg, "(prune)")) << msg;
  EXPECT_EQ(code_of([&] { RepoLock::acquire(*r, true, "forget"); }), ExitCode::lock_held);
  ex.reset();
  EXPECT_NO_THROW(RepoLock::acquire(*r, true, "forget"));
}

TEST(LockTest, ListedLockDescribesItself) {
  TestRepo r;
  auto l = RepoLock::acquire(*r, false, "backup");
  auto locks = list_locks(*r);
  ASSERT_EQ(locks.size(), 1u);
  const LockInfo& info = locks[0];
  EXPECT_FALSE(info.exclusive);
  EXPECT_EQ(info.pid, getpid());
  EXPECT_EQ(info.host, this_host());
  EXPECT_EQ(info.operation, "backup");
  EXPECT_TRUE(info.readable);
  EXPECT_FALSE(lock_is_stale(info, r->clock().now_ns()));
  EXPECT_TRUE(contains(info.describe(), "shared lock by pid")) << info.describe();
}

TEST(LockTest, DeadProcessLockIsStaleAndIgnored) {
  TestRepo r;
  int pid = dead_pid();
  std::string id = write_lock(*r, /*exclusive=*/true, this_host(), pid, r->clock().now_ns());
  auto locks = list_locks(*r);
  ASSERT_EQ(locks.size(), 1u);
  EXPECT_EQ(locks[0].pid, pid);
  EXPECT_TRUE(lock_is_stale(locks[0], r->clock().now_ns()));
  {
    auto shared = RepoLock::acquire(*r, false, "backup");  // not blocked by the dead lock
  }
  auto ex = RepoLock::acquire(*r, true, "prune");
  EXPECT_FALSE(r->backend().stat("locks/" + id)) << "exclusive acquirer removes stale locks";
}

TEST(LockTest, LiveLockOnOtherHostBlocksUntilItExpires) {
  TestRepo r;
  // Same pid as a dead one but on another host: the pid cannot be checked there.
  std::string fresh = write_lock(*r, true, "elsewhere.example", dead_pid(), r->clock().now_ns());
  std::string msg;
  EXPECT_EQ(code_of([&] { RepoLock::acquire(*r, false, "backup"); }, &msg), ExitCode::lock_held);
  EXPECT_TRUE(contains(msg, "elsewhere.example")) << msg;
  r->backend().remove("locks/" + fresh);
  int64_t old = r->clock().now_ns() - 31LL * 60 * 1000000000LL;
  write_lock(*r, true, "elsewhere.example", 1, old);
  auto locks = list_locks(*r);
  ASSERT_EQ(locks.size(), 1u);
  EXPECT_TRUE(lock_is_stale(locks[0], r->clock().now_ns())) << "not refreshed for 31 minutes";
  EXPECT_NO_THROW(RepoLock::acquire(*r, false, "backup"));
}

// A lock on another host goes stale 30 minutes after its last refresh by the
// repository's clock: no sleeping, the clock is moved.
TEST(LockTest, StalenessFollowsTheRepositoryClock) {
  TestRepo r;
  FakeClock clock;
  r->set_clock(clock);
  write_lock(*r, true, "elsewhere.example", 1, clock.now_ns());
  EXPECT_EQ(code_of([&] { RepoLock::acquire(*r, false, "backup"); }), ExitCode::lock_held);
  clock.advance_ns(29LL * 60 * 1000000000LL);
  EXPECT_EQ(code_of([&] { RepoLock::acquire(*r, false, "backup"); }), ExitCode::lock_held);
  clock.advance_ns(2LL * 60 * 1000000000LL);
  EXPECT_NO_THROW(RepoLock::acquire(*r, false, "backup"));
}

// Waiting for a lock: the wait is measured and slept on the repository's clock
// (a FakeClock runs through 60 s at once), and a cancelled job stops waiting with
// Error(interrupted), leaving no lock of its own behind.
TEST(LockTest, WaitEndsAtTheDeadlineOrOnCancellation) {
  TestRepo r;
  FakeClock clock;
  r->set_clock(clock);
  auto held = RepoLock::acquire(*r, true, "prune");
  const int64_t before = clock.monotonic_ns();
  EXPECT_EQ(code_of([&] { RepoLock::acquire(*r, false, "backup", 60); }), ExitCode::lock_held);
  EXPECT_GE(clock.monotonic_ns() - before, 60LL * 1000000000LL);
  CancelSource cancel;
  cancel.cancel("interrupted by SIGTERM");
  std::string msg;
  EXPECT_EQ(code_of([&] { RepoLock::acquire(*r, false, "backup", 3600, cancel.token()); }, &msg),
            ExitCode::interrupted);
  EXPECT_EQ(msg, "interrupted by SIGTERM");
  EXPECT_EQ(list_locks(*r).size(), 1u) << "only the holder's lock";
}

TEST(LockTest, UnreadableLockBlocks) {
  TestRepo r;
  r->backend().put("locks/" + std::string(64, 'e'), as_bytes("garbage"));
  auto locks = list_locks(*r);
  ASSERT_EQ(locks.size(), 1u);
  EXPECT_FALSE(locks[0].readable);
  EXPECT_FALSE(lock_is_stale(locks[0], r->clock().now_ns()));
  std::string msg;
  EXPECT_EQ(code_of([&] { RepoLock::acquire(*r, false, "backup"); }, &msg), ExitCode::lock_held);
  EXPECT_TRUE(contains(msg, "unreadable")) << msg;
  EXPECT_TRUE(contains(msg, "unlock --remove-all")) << msg;
}

TEST(LockTest, RemoveLocks) {
  TestRepo r;
  std::string dead = write_lock(*r, false, this_host(), dead_pid(), r->clock().now_ns());
  auto live = RepoLock::acquire(*r, false, "backup");
  std::string foreign = write_lock(*r, false, "elsewhere.example", 4242, r->clock().now_ns());
  auto removed = remove_locks(*r, false);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].id, dead);
  EXPECT_EQ(list_locks(*r).size(), 2u);
  removed = remove_locks(*r, true);
  EXPECT_EQ(removed.size(), 2u);
  EXPECT_TRUE(list_locks(*r).empty());
  live.reset();  // releasing a lock someone removed is harmless
  EXPECT_TRUE(list_locks(*r).empty());
}

storage::FaultBackend& faults_of(Repository& repo) { return dynamic_cast<storage::FaultBackend&>(repo.backend()); }

// A read-only mount (the backend's probe tells): a reader goes on without a lock,
// a writer is refused with one line naming the repository and the reason, and
// nothing is written.
TEST(LockTest, ReadOnlyRepositoryIsReadWithoutALock) {
  TestRepo r;
  const size_t objects = r.mem.object_count();
  faults_of(*r).refuse_writes(EROFS, true);
  auto access = RepoLock::acquire_for_reading(*r, "restore");
  EXPECT_EQ(access.lock, nullptr);
  EXPECT_EQ(access.refusal, EROFS);
  for (bool exclusive : {false, true}) {
    std::string msg;
    try {
      RepoLock::acquire(*r, exclusive, "backup");
      ADD_FAILURE() << "a writer's lock on a read-only repository";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::io);
      EXPECT_EQ(e.sys_errno(), EROFS);
      msg = e.what();
    }
    EXPECT_EQ(msg, "repository fault:mem: is read-only (Read-only file system): backup needs to write");
  }
  EXPECT_EQ(code_of([&] { require_writable(*r, "key add"); }), ExitCode::io);
  EXPECT_EQ(r.mem.object_count(), objects);
}

// Object storage cannot tell before writing: the refused lock write (403
// AccessDenied is EACCES) is what sends a reader on without a lock.
TEST(LockTest, RefusedLockWriteIsReadWithoutALock) {
  TestRepo r;
  faults_of(*r).refuse_writes(EACCES, false);
  EXPECT_NO_THROW(require_writable(*r, "key add")) << "the probe cannot tell";
  auto access = RepoLock::acquire_for_reading(*r, "check");
  EXPECT_EQ(access.lock, nullptr);
  EXPECT_EQ(access.refusal, EACCES);
  std::string msg;
  EXPECT_EQ(code_of([&] { RepoLock::acquire(*r, true, "prune"); }, &msg), ExitCode::io);
  EXPECT_TRUE(contains(msg, "is read-only (Permission denied): prune needs to write")) << msg;
  EXPECT_TRUE(list_locks(*r).empty());
}

// Only a refusal of the whole repository lets a reader skip its lock: a full disk
// is an error, and a writable repository still gets a shared lock that an
// exclusive holder blocks.
TEST(LockTest, OtherFailuresStillFailReaders) {
  TestRepo r;
  faults_of(*r).fail_puts_after_count(0);
  std::string msg;
  EXPECT_EQ(code_of([&] { RepoLock::acquire_for_reading(*r, "restore"); }, &msg), ExitCode::io);
  EXPECT_TRUE(contains(msg, "disk full")) << msg;
  faults_of(*r).clear_faults();
  auto access = RepoLock::acquire_for_reading(*r, "restore");
  ASSERT_NE(access.lock, nullptr);
  EXPECT_EQ(access.refusal, 0);
  EXPECT_EQ(list_locks(*r).size(), 1u);
  access.lock.reset();
  auto ex = RepoLock::acquire(*r, true, "prune");
  EXPECT_EQ(code_of([&] { RepoLock::acquire_for_reading(*r, "restore"); }), ExitCode::lock_held);
}

}  // namespace
}  // namespace strata::repo
