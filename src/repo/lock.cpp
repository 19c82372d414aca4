// Lock acquisition, refresh, staleness and removal (see lock.h).
#include "repo/lock.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "common/error.h"
#include "common/host_identity.h"
#include "common/cancel.h"
#include "common/time_util.h"
#include "crypto/random.h"

namespace strata::repo {

using nlohmann::json;

namespace {
constexpr int64_t kSecond = 1000000000LL;
constexpr int64_t kStaleAfter = 30 * 60 * kSecond;
constexpr int kRefreshSeconds = 5 * 60;
constexpr const char* kLocksPrefix = "locks";

std::string pid_namespace() {
  char buf[64] = {0};
  ssize_t n = readlink("/proc/self/ns/pid", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

LockInfo parse_lock(const std::string& id, const Bytes& plain) {
  LockInfo l;
  l.id = id;
  json j = json::parse(to_string(plain));
  l.exclusive = j.at("exclusive").get<bool>();
  l.host = j.at("host").get<std::string>();
  l.username = j.value("username", "");
  l.operation = j.value("operation", "");
  l.pid_namespace = j.value("pid_namespace", "");
  l.pid = j.at("pid").get<int>();
  l.created_ns = j.at("created_ns").get<int64_t>();
  l.refreshed_ns = j.at("refreshed_ns").get<int64_t>();
  return l;
}
}  // namespace

std::string LockInfo::describe() const {
  if (!readable) return "unreadable lock " + id;
  return std::string(exclusive ? "exclusive" : "shared") + " lock by pid " + std::to_string(pid) +
         " on host " + host + (operation.empty() ? "" : " (" + operation + ")") + " since " +
         format_short(created_ns) + " UTC";
}

bool is_write_refusal(int err) { return err == EROFS || err == EACCES || err == EPERM; }

Error read_only_error(Repository& repo, int err, const std::string& operation) {
  return Error(ExitCode::io, "repository " + repo.backend().location() + " is read-only (" + errno_text(err) +
                                 "): " + operation + " needs to write",
               {}, err);
}

void require_writable(Repository& repo, const std::string& operation, const std::string& prefix) {
  if (int err = repo.backend().write_refusal(prefix); err != 0) throw read_only_error(repo, err, operation);
}

bool lock_is_stale(const LockInfo& lock, int64_t now) {
  if (!lock.readable) return false;
  // A dead PID only proves staleness on this host and in this PID namespace
  // (containers may share a host name but not PIDs).
  bool same_pids = lock.host == local_hostname() &&
                   (lock.pid_namespace.empty() || lock.pid_namespace == pid_namespace());
  if (same_pids && lock.pid > 0 && kill(lock.pid, 0) != 0 && errno == ESRCH) return true;
  return now - lock.refreshed_ns > kStaleAfter;
}

std::vector<LockInfo> list_locks(Repository& repo) {
  std::vector<LockInfo> out;
  for (const auto& id : repo.list_objects(ObjectKind::lock)) {
    LockInfo l;
    try {
      l = parse_lock(id, repo.load_object(ObjectKind::lock, id));
    } catch (const Error& e) {
      if (e.code() == ExitCode::not_found) continue;  // released meanwhile
      l.id = id;
      l.readable = false;
    } catch (const json::exception&) {
      l.id = id;
      l.readable = false;
    }
    out.push_back(l);
  }
  return out;
}

std::vector<LockInfo> remove_locks(Repository& repo, bool all) {
  std::vector<LockInfo> removed;
  int64_t now = repo.clock().now_ns();
  for (const auto& l : list_locks(repo)) {
    if (all || lock_is_stale(l, now)) {
      repo.backend().remove(Repository::object_name(ObjectKind::lock, l.id));
      removed.push_back(l);
    }
  }
  return removed;
}

RepoLock::RepoLock(Repository& repo, LockInfo info) : repo_(repo), info_(std::move(info)) {}

void RepoLock::write() {
  json j = {{"exclusive", info_.exclusive}, {"host", info_.host},
            {"username", info_.username},   {"operation", info_.operation},
            {"pid", info_.pid},             {"created_ns", info_.created_ns},
            {"pid_namespace", info_.pid_namespace},
            {"refreshed_ns", info_.refreshed_ns}};
  std::string text = j.dump();
  repo_.backend().put(Repository::object_name(ObjectKind::lock, info_.id),
                      seal_object(repo_.aead(), ObjectKind::lock, as_bytes(text)));
}

namespace {

// The first live lock that conflicts with a new lock of this kind, other than `own_id`.
std::optional<LockInfo> conflicting_lock(Repository& repo, bool exclusive, const std::string& own_id) {
  int64_t now = repo.clock().now_ns();
  for (const auto& l : list_locks(repo)) {
    if (l.id == own_id || lock_is_stale(l, now)) continue;
    if (exclusive || l.exclusive || !l.readable) return l;
  }
  return std::nullopt;
}

LockInfo new_lock_info(bool exclusive, const std::string& operation, int64_t now) {
  LockInfo info;
  info.id = to_hex(crypto::random_bytes(32));
  info.exclusive = exclusive;
  info.host = local_hostname();
  info.username = local_username();
  info.operation = operation;
  info.pid = static_cast<int>(getpid());
  info.pid_namespace = pid_namespace();
  info.created_ns = info.refreshed_ns = now;
  return info;
}

Error lock_held_error(Repository& repo, const LockInfo& held) {
  std::string hint = held.readable ? "wait for it to finish, or if that process is gone run 'strata unlock'"
                                   : "if no other strata is running, run 'strata unlock --remove-all'";
  return Error(ExitCode::lock_held,
               "repository " + repo.backend().location() + " is locked: " + held.describe() + "; " + hint);
}

}  // namespace

std::unique_ptr<RepoLock> RepoLock::acquire(Repository& repo, bool exclusive, const std::string& operation,
                                            int wait_seconds, const CancelToken& cancel) {
  require_writable(repo, operation, kLocksPrefix);
  int refusal = 0;
  auto lock = take(repo, exclusive, operation, wait_seconds, cancel, refusal);
  if (!lock) throw read_only_error(repo, refusal, operation);
  return lock;
}

ReadAccess RepoLock::acquire_for_reading(Repository& repo, const std::string& operation, int wait_seconds,
                                         const CancelToken& cancel) {
  ReadAccess access;
  access.refusal = repo.backend().write_refusal(kLocksPrefix);
  if (access.refusal == 0) access.lock = take(repo, false, operation, wait_seconds, cancel, access.refusal);
  return access;
}

std::unique_ptr<RepoLock> RepoLock::take(Repository& repo, bool exclusive, const std::string& operation,
                                         int wait_seconds, const CancelToken& cancel, int& refusal) {
  const Clock& clock = repo.clock();
  const int64_t deadline_ns = clock.monotonic_ns() + int64_t{wait_seconds} * kSecond;
  std::mt19937 rng(std::random_device{}());
  for (;;) {
    cancel.throw_if_cancelled();
    auto held = conflicting_lock(repo, exclusive, "");
    if (!held) {
      // From here on the object's destructor removes whatever was written,
      // also when this thread unwinds (a cancelled job, a failed re-check).
      std::unique_ptr<RepoLock> lock(new RepoLock(repo, new_lock_info(exclusive, operation, clock.now_ns())));
      refusal = lock->write_first();
      if (refusal != 0) return nullptr;
      // Someone may have written a conflicting lock at the same time: re-check.
      held = conflicting_lock(repo, exclusive, lock->info_.id);
      if (!held) {
        if (exclusive) remove_locks(repo, false);  // clean stale leftovers
        lock->refresher_ = std::thread([l = lock.get()] { l->refresh_loop(); });
        return lock;
      }
      lock->remove_now();
    }
    if (clock.monotonic_ns() >= deadline_ns) throw lock_held_error(repo, *held);
    if (!clock.sleep_for_ms(200 + rng() % 800, cancel)) cancel.throw_if_cancelled();
  }
}

int RepoLock::write_first() {
  std::lock_guard<std::mutex> lk(mu_);
  try {
    write();
  } catch (const Error& e) {
    if (e.code() != ExitCode::io || !is_write_refusal(e.sys_errno())) throw;
    return e.sys_errno();
  }
  return 0;
}

void RepoLock::refresh_loop() {
  std::unique_lock<std::mutex> lk(mu_);
  while (!cv_.wait_for(lk, std::chrono::seconds(kRefreshSeconds), [this] { return stop_; })) {
    if (lost_ || info_.id.empty()) continue;
    try {
      // Never resurrect a lock someone removed: whoever removed it may already be
      // deleting data this process relies on.
      if (!repo_.backend().stat(Repository::object_name(ObjectKind::lock, info_.id))) {
        lost_ = true;
        continue;
      }
      int64_t now = repo_.clock().now_ns();
      if (now - info_.refreshed_ns > kStaleAfter - 5 * 60 * kSecond) {  // e.g. after a suspend
        lost_ = true;
        continue;
      }
      info_.refreshed_ns = now;
      write();
    } catch (...) {
      // A failed refresh is retried on the next tick; check_held() reports a lock
      // that went too long without one.
    }
  }
}

void RepoLock::remove_now() {
  std::lock_guard<std::mutex> lk(mu_);
  if (info_.id.empty()) return;
  try {
    repo_.backend().remove(Repository::object_name(ObjectKind::lock, info_.id));
  } catch (...) {
  }
  info_.id.clear();
  lost_ = true;
}

void RepoLock::check_held() {
  std::lock_guard<std::mutex> lk(mu_);
  std::string name = Repository::object_name(ObjectKind::lock, info_.id);
  bool present = false;
  try {
    present = repo_.backend().stat(name).has_value();
  } catch (const Error&) {
    present = false;
  }
  if (lost_ || !present || repo_.clock().now_ns() - info_.refreshed_ns > kStaleAfter - 5 * 60 * kSecond)
    throw Error(ExitCode::lock_held, "this process's lock " + info_.id.substr(0, 12) + " on " +
                                         repo_.backend().location() +
                                         " was removed or went stale while it ran (another process "
                                         "may have pruned meanwhile); nothing was committed — run it again");
}

RepoLock::~RepoLock() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
  remove_now();
}

}  // namespace strata::repo
