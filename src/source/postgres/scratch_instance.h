// A scratch PostgreSQL instance: a private directory holding a restored data
// directory, and the server started in it, as one guard. Whatever happens — the
// job succeeds, fails or is cancelled — the server is stopped and the directory
// removed (kept, stopped, when the operator asked to keep it). A forced exit that
// does not unwind (common/emergency_cleanup) still shuts the server down and
// removes the directory.
#pragma once
#include <atomic>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "common/clock.h"
#include "common/emergency_cleanup.h"
#include "common/process.h"
#include "common/scratch_dir.h"
#include "source/postgres/pg_connection.h"

namespace strata::source::postgres {

class ScratchInstance {
 public:
  // Creates `<parent>/strata-restore-table.XXXXXX` (parent "" means $TMPDIR or
  // /tmp). Error(usage) when the path is too long for the server's Unix socket.
  ScratchInstance(const std::string& parent, bool keep, const Clock& clock);
  ~ScratchInstance();  // Finish(), with its problems logged as warnings
  ScratchInstance(const ScratchInstance&) = delete;
  ScratchInstance& operator=(const ScratchInstance&) = delete;

  const std::string& dir() const { return dir_.path(); }
  std::string pgdata() const { return dir() + "/pgdata"; }
  std::string log() const { return dir() + "/postgres.log"; }
  const posix::RunAs& run_as() const { return as_; }

  // The programs and the user that start and stop the server.
  void Prepare(const std::string& bindir, const posix::RunAs& as);

  // pg_ctl start -w; Error(source) with the log's last lines when it fails,
  // Error(interrupted) when `cancel` fires first.
  void Start(int timeout_seconds, const CancelToken& cancel);

  bool Running() const;

  // Waits until the server has replayed WAL to its target and promoted.
  // Error(source) naming the log when it stops, refuses connections for good or
  // takes longer than `timeout_seconds`; Error(interrupted) when `cancel` fires.
  void WaitUntilPromoted(const ConnectionSettings& cs, int timeout_seconds, const CancelToken& cancel) const;

  // Stops the server and removes the directory (unless kept); problems are
  // added to `warnings`, never thrown.
  void Finish(std::vector<std::string>& warnings);

  // " (add --keep-scratch …)" for error messages, unless the directory is kept.
  std::string KeepHint() const;
  // "last lines of its log L: a | b | c": what the server said before it failed.
  std::string LogTail() const;

 private:
  void Stop(std::vector<std::string>& warnings);
  void Abandon() noexcept;
  bool SignalAndWait(pid_t pid, int sig, int wait_ms) const;

  ScratchDir dir_;
  const Clock& clock_;
  std::string bindir_, canonical_pgdata_;
  posix::RunAs as_;
  std::atomic<pid_t> pid_{0};
  bool may_run_ = false;
  bool finished_ = false;
  EmergencyCleanupId cleanup_ = 0;
};

}  // namespace strata::source::postgres
