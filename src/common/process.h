// Running other programs: PostgreSQL's pg_ctl and pg_dump for a scratch instance,
// strata's own background WAL workers, and (to come) the servers a restore test
// starts. One spawner for all of them: an argument vector (no shell, nothing to
// quote), standard output and error onto given descriptors, optionally as another
// user (root handing a data directory to its owner) or in a session of its own,
// and a clear error when the program could not be started at all — told apart
// from the program starting and failing. Nothing here kills or waits for a
// process it did not start.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "common/cancel.h"
#include "common/clock.h"

namespace strata::posix {

// Who a child runs as: this process's user, or (switch_user, needs root) another.
struct RunAs {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string name;  // user name (or the uid in decimal when it has none)
  std::string home;  // HOME for the child ("/" when unknown)
};

// The account `uid` (primary group `gid`) from the user database: name, home and
// supplementary groups; kept as the uid, "/" and `gid` when it has no entry.
// switch_user is true when this process runs as root.
RunAs account_of(uid_t uid, gid_t gid);

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is the program's path
  RunAs run_as;                   // default: this process's user
  int stdout_fd = -1;             // -1: /dev/null
  int stderr_fd = -1;             // -1: /dev/null
  bool new_session = false;       // setsid(): outlives this process's terminal and signals
  std::string working_dir = "/";  // "": ours (relative paths in argv keep their meaning)
  CancelToken cancel;             // run_process: SIGTERM to the child when the job is cancelled
  const Clock* clock = &system_clock();  // run_process polls the child on it while `cancel` can fire
};

// Starts the program (stdin is /dev/null; the environment is ours, with HOME, USER
// and LOGNAME of the user switched to; the working directory spec.working_dir; signals
// unblocked and SIGPIPE at its default). Returns once it has been exec'd.
// Error(io) when it cannot be forked; Error(source) "cannot run P [as U (uid N)]:
// reason" when the user switch or exec failed.
pid_t start_process(const ProcessSpec& spec);

// Waits for a child started here; its exit code, or 128 + the signal that ended it.
int wait_process(pid_t pid);

// start_process + wait_process. When spec.cancel fires first, the child gets
// SIGTERM, is waited for, and Error(interrupted) is thrown.
int run_process(const ProcessSpec& spec);

// Several lines of a program's output as one: "a; b" (trailing blanks dropped).
std::string one_line(const std::string& text);

// An anonymous in-memory file that collects a child's output (give fd() as its
// stdout_fd/stderr_fd, read text() after it ended).
class OutputCapture {
 public:
  OutputCapture();  // Error(io) when the kernel refuses
  ~OutputCapture();
  OutputCapture(const OutputCapture&) = delete;
  OutputCapture& operator=(const OutputCapture&) = delete;
  int fd() const { return fd_; }
  std::string text() const;

 private:
  int fd_;
};

// The first executable `name` in $PATH (default /usr/local/bin:/usr/bin:/bin), or "".
std::string find_in_path(const std::string& name);

// The path of the running executable (/proc/self/exe); Error(io) without /proc.
std::string self_executable();

}  // namespace strata::posix
