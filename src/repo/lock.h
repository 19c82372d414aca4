// Repository locks: sealed objects under locks/. Backups and checks take shared
// locks; prune and forget take an exclusive lock. A lock names host, pid and user, is
// refreshed every 5 minutes while held, and is stale when its process is gone (same
// host) or it was not refreshed for 30 minutes. Stale locks never block anyone.
#pragma once
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

class RepoLock {
 public:
  // Takes the lock, retrying for up to `wait_seconds`; throws Error(lock_held) naming
  // the holder otherwise. `operation` is recorded in the lock ("backup", "prune", ...).
  static std::unique_ptr<RepoLock> acquire(Repository& repo, bool exclusive,
                                           const std::string& operation, int wait_seconds = 0);
  ~RepoLock();

  // Throws Error(lock_held) if this lock object is gone from the repository (removed
  // by 'unlock' or judged stale by another process) or could not be refreshed in
  // time; a backup calls it right before committing its snapshot.
  void check_held();

  // Removes the lock object now (idempotent); used on release and on interrupt.
  void remove_now();
  RepoLock(const RepoLock&) = delete;
  RepoLock& operator=(const RepoLock&) = delete;

 private:
  RepoLock(Repository& repo, LockInfo info);
  void write();
  void refresh_loop();

  Repository& repo_;
  LockInfo info_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread refresher_;
  uint64_t cleanup_id_ = 0;  // interrupt cleanup that removes the lock
  bool lost_ = false;        // guarded by mu_
};

}  // namespace strata::repo
