// Repository locks: sealed objects under locks/. Backups and checks take shared
// locks; prune and forget take an exclusive lock. A lock names host, pid and user, is
// refreshed every 5 minutes while held, and is stale when its process is gone (same
// host) or it was not refreshed for 30 minutes. Stale locks never block anyone.
// A repository this process cannot write (read-only mount, no permission, a
// bucket that refuses writes) can still be read: without a lock
// (RepoLock::acquire_for_reading); writers are refused with one clear error.
#pragma once
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/cancel.h"
#include "repo/repository.h"

namespace strata::repo {

struct LockInfo {
  std::string id;
  bool exclusive = false;
  std::string host, username, operation;
  std::string pid_namespace;  // e.g. "pid:[4026531836]": PIDs compare only within one
  int pid = 0;
  int64_t created_ns = 0, refreshed_ns = 0;
  bool readable = true;
  std::string describe() const;  // "exclusive lock by pid 12 on host h (backup) since T"
};

bool lock_is_stale(const LockInfo& lock, int64_t now);
std::vector<LockInfo> list_locks(Repository& repo);
// Removes stale locks (or all with `all`); returns the removed ones.
std::vector<LockInfo> remove_locks(Repository& repo, bool all);

// True for the errno values of a write the repository refuses as a whole: EROFS,
// EACCES, EPERM (a full disk or a failing one is not such a refusal).
bool is_write_refusal(int err);

// Error(io) "repository LOCATION is read-only (REASON): OPERATION needs to write",
// carrying `err` in sys_errno().
Error read_only_error(Repository& repo, int err, const std::string& operation);

// Throws read_only_error when the backend says, without writing, that objects
// below `prefix` cannot be written (Backend::write_refusal); for commands that
// write without taking a lock (key add: "keys", unlock), before they change anything.
void require_writable(Repository& repo, const std::string& operation, const std::string& prefix = "locks");

class RepoLock;

// What a command that only reads holds: a shared lock, or none because the
// repository cannot be written (`refusal` is then the errno value saying why).
struct ReadAccess {
  std::unique_ptr<RepoLock> lock;
  int refusal = 0;
};

class RepoLock {
 public:
  // Takes the lock, retrying for up to `wait_seconds` (by the repository's clock);
  // throws Error(lock_held) naming the holder otherwise, and Error(interrupted) once
  // `cancel` fires while it waits. `operation` is recorded in the lock ("backup", "prune", ...).
  // A repository that cannot be written (Backend::write_refusal, or the lock write
  // refused: is_write_refusal) throws read_only_error before anything is written.
  static std::unique_ptr<RepoLock> acquire(Repository& repo, bool exclusive, const std::string& operation,
                                           int wait_seconds = 0, const CancelToken& cancel = {});

  // A shared lock as acquire() takes it, except that a repository that cannot be
  // written is read without one: then the lock is null and `refusal` says why (the
  // caller warns that a concurrent prune may remove data it needs). Other errors
  // (lock_held, unreadable locks/) are thrown as by acquire().
  static ReadAccess acquire_for_reading(Repository& repo, const std::string& operation, int wait_seconds = 0,
                                        const CancelToken& cancel = {});
  ~RepoLock();

  // Throws Error(lock_held) if this lock object is gone from the repository (removed
  // by 'unlock' or judged stale by another process) or could not be refreshed in
  // time; a backup calls it right before committing its snapshot.
  void check_held();

  // Removes the lock object now (idempotent); the destructor calls it, so a job
  // that unwinds (cancelled, failed) leaves no lock behind.
  void remove_now();
  RepoLock(const RepoLock&) = delete;
  RepoLock& operator=(const RepoLock&) = delete;

 private:
  RepoLock(Repository& repo, LockInfo info);
  // The acquisition loop of acquire(): null, with `refusal` set, when writing the
  // lock is refused (is_write_refusal).
  static std::unique_ptr<RepoLock> take(Repository& repo, bool exclusive, const std::string& operation,
                                        int wait_seconds, const CancelToken& cancel, int& refusal);
  void write();
  // The first write(): 0, or the errno value of a refusal (is_write_refusal);
  // other errors are thrown.
  int write_first();
  void refresh_loop();

  Repository& repo_;
  LockInfo info_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread refresher_;
  bool lost_ = false;        // guarded by mu_
};

}  // namespace strata::repo
