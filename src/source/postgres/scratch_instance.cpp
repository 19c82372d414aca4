// ScratchInstance (see scratch_instance.h): starting, watching and stopping the
// server of a scratch directory through pg_ctl, and signals as a last resort.
#include "source/postgres/scratch_instance.h"

#include <signal.h>
#include <sys/un.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>

#include "common/error.h"
#include "common/log.h"

namespace strata::source::postgres {

namespace fs = std::filesystem;

namespace {

constexpr size_t kLogTailLines = 5;
constexpr int kStopTimeoutSeconds = 60;
constexpr int kKillWaitMs = 10'000;
constexpr int64_t kSecondNs = 1'000'000'000;

pid_t read_postmaster_pid(const std::string& pgdata) {
  std::ifstream in(pgdata + "/postmaster.pid");
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  return static_cast<pid_t>(pid);
}

// True while `pid` is a live (not zombie) process whose working directory is
// `pgdata` — the postmaster runs in its data directory, so a reused pid is
// never mistaken for it.
bool is_postmaster_of(pid_t pid, const std::string& pgdata) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) return false;
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat_text;
  std::getline(stat_file, stat_text);
  size_t paren = stat_text.rfind(')');
  if (paren != std::string::npos && paren + 2 < stat_text.size() && stat_text[paren + 2] == 'Z') return false;
  char cwd[4096];
  ssize_t n = ::readlink(("/proc/" + std::to_string(pid) + "/cwd").c_str(), cwd, sizeof cwd - 1);
  if (n <= 0) return true;  // no /proc: trust the pid file
  return std::string(cwd, static_cast<size_t>(n)) == pgdata;
}

// A connection refused or lost while the server changes state ("the database
// system is starting up", "… is shutting down" when recovery fails) rather
// than for good (no such database or role, authentication): retried, and a
// server that went away is reported with its log.
bool server_busy(const std::string& message) {
  for (const char* passing : {"the database system is", "Connection refused", "terminating connection",
                              "server closed the connection"})
    if (message.find(passing) != std::string::npos) return true;
  return false;
}

}  // namespace

ScratchInstance::ScratchInstance(const std::string& parent, bool keep, const Clock& clock) : clock_(clock) {
  const std::string templ = scratch_parent(parent) + "/strata-restore-table.XXXXXX";
  // The server's socket, <dir>/.s.PGSQL.<port>, must fit in sun_path (108 bytes).
  if (templ.size() + 17 >= sizeof(sockaddr_un{}.sun_path))
    throw Error(ExitCode::usage, "the scratch directory " + templ + " is too long a path for the server's Unix "
                                 "socket; give --scratch-dir a shorter directory");
  dir_.create(parent, "strata-restore-table.");
  if (keep) dir_.keep();
  cleanup_ = add_emergency_cleanup([this] { Abandon(); });
}

ScratchInstance::~ScratchInstance() {
  if (finished_) return;
  std::vector<std::string> problems;
  Finish(problems);
  for (const auto& p : problems) log_warning(p);
}

void ScratchInstance::Prepare(const std::string& bindir, const posix::RunAs& as) {
  bindir_ = bindir;
  as_ = as;
}

void ScratchInstance::Start(int timeout_seconds, const CancelToken& cancel) {
  std::error_code ec;
  canonical_pgdata_ = fs::canonical(pgdata(), ec).string();
  if (ec) throw io_error("resolving " + pgdata(), ec.value());
  may_run_ = true;
  posix::OutputCapture out;
  posix::ProcessSpec spec;
  spec.argv = {bindir_ + "/pg_ctl", "-D", pgdata(), "-l", log(), "-w", "-t", std::to_string(timeout_seconds),
               "start"};
  spec.run_as = as_;
  spec.stdout_fd = spec.stderr_fd = out.fd();
  spec.cancel = cancel;
  spec.clock = &clock_;
  const int rc = posix::run_process(spec);
  pid_ = read_postmaster_pid(pgdata());
  if (rc != 0)
    throw Error(ExitCode::source, "the scratch instance in " + pgdata() + " did not start within " +
                                      std::to_string(timeout_seconds) + " s (pg_ctl exit " + std::to_string(rc) +
                                      ": " + posix::one_line(out.text()) + "); " + LogTail() + KeepHint());
}

bool ScratchInstance::Running() const { return is_postmaster_of(pid_, canonical_pgdata_); }

void ScratchInstance::WaitUntilPromoted(const ConnectionSettings& cs, int timeout_seconds,
                                        const CancelToken& cancel) const {
  const int64_t deadline = clock_.monotonic_ns() + timeout_seconds * kSecondNs;
  std::unique_ptr<PgConnection> conn;
  std::string last = "no answer yet";
  for (;;) {
    if (!Running())
      throw Error(ExitCode::source, "the scratch instance stopped during recovery; " + LogTail() + KeepHint());
    try {
      if (!conn) conn = std::make_unique<PgConnection>(cs);
      if (conn->value("select pg_is_in_recovery()") == "f") return;
      last = "still in recovery";
    } catch (const Error& e) {
      if (!server_busy(e.what()))
        throw Error(ExitCode::source, std::string("the scratch instance is up, but ") + e.what() + KeepHint());
      conn.reset();
      last = e.what();
    }
    if (clock_.monotonic_ns() > deadline)
      throw Error(ExitCode::source, "the scratch instance on 127.0.0.1:" + std::to_string(cs.port) +
                                        " did not finish recovery within " + std::to_string(timeout_seconds) +
                                        " s (" + last + "); " + LogTail() + KeepHint());
    if (!clock_.sleep_for_ms(250, cancel)) cancel.throw_if_cancelled();
  }
}

void ScratchInstance::Finish(std::vector<std::string>& warnings) {
  Stop(warnings);
  if (std::string problem = dir_.remove(); !problem.empty()) warnings.push_back(problem);
  remove_emergency_cleanup(cleanup_);
  finished_ = true;
}

std::string ScratchInstance::KeepHint() const {
  return dir_.kept() ? "" : " (add --keep-scratch to keep the scratch directory)";
}

std::string ScratchInstance::LogTail() const {
  std::ifstream in(log());
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    last.push_back(line);
    if (last.size() > kLogTailLines) last.pop_front();
  }
  if (last.empty()) return "its log " + log() + " is empty";
  std::string out = "last lines of its log " + log() + ": ";
  for (size_t i = 0; i < last.size(); ++i) out += (i ? " | " : "") + last[i];
  return out;
}

// Sends `sig` to the postmaster (and its process group when it leads one) and
// waits up to `wait_ms` for it to go. Not cancellable: it is the cleanup.
bool ScratchInstance::SignalAndWait(pid_t pid, int sig, int wait_ms) const {
  if (!is_postmaster_of(pid, canonical_pgdata_)) return true;
  ::kill(::getpgid(pid) == pid ? -pid : pid, sig);
  for (int waited = 0; waited < wait_ms; waited += 50) {
    if (!is_postmaster_of(pid, canonical_pgdata_)) return true;
    clock_.sleep_for_ms(50, CancelToken{});
  }
  return !is_postmaster_of(pid, canonical_pgdata_);
}

void ScratchInstance::Stop(std::vector<std::string>& warnings) {
  if (!may_run_) return;
  pid_t pid = pid_ ? pid_.load() : read_postmaster_pid(pgdata());
  try {
    posix::OutputCapture out;
    posix::ProcessSpec spec;
    spec.argv = {bindir_ + "/pg_ctl", "-D", pgdata(), "-m", "fast", "-w", "-t", std::to_string(kStopTimeoutSeconds),
                 "stop"};
    spec.run_as = as_;
    spec.stdout_fd = spec.stderr_fd = out.fd();
    posix::run_process(spec);
  } catch (const Error& e) {
    warnings.push_back(std::string("stopping the scratch instance: ") + e.what());
  }
  if (!SignalAndWait(pid, SIGKILL, kKillWaitMs))
    warnings.push_back("the scratch instance (pid " + std::to_string(pid) + ") did not stop, even after SIGKILL");
  may_run_ = false;
}

// On a forced exit: immediate shutdown, SIGKILL if need be, then remove.
void ScratchInstance::Abandon() noexcept {
  const pid_t pid = pid_ ? pid_.load() : read_postmaster_pid(pgdata());
  if (pid > 0 && !SignalAndWait(pid, SIGQUIT, 5000)) SignalAndWait(pid, SIGKILL, kKillWaitMs);
  dir_.remove();
}

}  // namespace strata::source::postgres
