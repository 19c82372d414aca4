// The fork/exec spawner of process.h. Everything the child needs (argument and
// environment vectors, the user's groups) is built before fork, so the child only
// makes system calls. When it cannot switch user or exec, the child reports errno
// through a close-on-exec pipe and ends with _exit(127): that ends the child, never
// this process.
#include "common/process.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "common/error.h"
#include "common/posix_io.h"

extern char** environ;

namespace strata::posix {
namespace {

// A NULL-terminated char* vector for execve.
class CStrings {
 public:
  explicit CStrings(std::vector<std::string> v) : strings_(std::move(v)) {
    for (auto& s : strings_) ptrs_.push_back(s.data());
    ptrs_.push_back(nullptr);
  }
  CStrings(const CStrings&) = delete;
  CStrings& operator=(const CStrings&) = delete;
  char** get() { return ptrs_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> ptrs_;
};

std::vector<std::string> child_environment(const RunAs& as) {
  std::vector<std::string> env;
  auto is = [](const std::string& kv, const char* key) { return kv.rfind(key, 0) == 0; };
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    if (as.switch_user && (is(kv, "HOME=") || is(kv, "USER=") || is(kv, "LOGNAME="))) continue;
    env.push_back(std::move(kv));
  }
  if (as.switch_user) {
    env.push_back("HOME=" + as.home);
    env.push_back("USER=" + as.name);
    env.push_back("LOGNAME=" + as.name);
  }
  return env;
}

struct ChildFailure {
  int stage = 0;  // kStageUser or kStageExec
  int err = 0;
};
constexpr int kStageUser = 1, kStageExec = 2;

[[noreturn]] void child_fail(int report_fd, int stage) {
  ChildFailure f{stage, errno};
  ssize_t ignored = ::write(report_fd, &f, sizeof f);
  (void)ignored;
  _exit(127);
}

// The descriptor the child gets as `target`: `fd`, or /dev/null for -1.
void child_redirect(int fd, int target, int flags) {
  if (fd < 0) fd = ::open("/dev/null", flags);
  if (fd >= 0 && fd != target) ::dup2(fd, target);
}

// In the child after fork: only system calls from here on.
[[noreturn]] void exec_child(char** argv, char** envp, const ProcessSpec& spec, int report_fd) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // the CLI blocks SIGINT/SIGTERM/SIGHUP in every thread
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, nullptr);  // the CLI ignores SIGPIPE
  if (spec.new_session) ::setsid();
  child_redirect(-1, 0, O_RDONLY);
  child_redirect(spec.stdout_fd, 1, O_WRONLY);
  child_redirect(spec.stderr_fd, 2, O_WRONLY);
  if (report_fd > 3) ::close_range(3, static_cast<unsigned>(report_fd) - 1, 0);
  ::close_range(static_cast<unsigned>(report_fd) + 1, ~0U, 0);
  const RunAs& as = spec.run_as;
  if (as.switch_user && (::setgroups(as.groups.size(), as.groups.data()) != 0 || ::setgid(as.gid) != 0 ||
                         ::setuid(as.uid) != 0))
    child_fail(report_fd, kStageUser);
  if (!spec.working_dir.empty() && ::chdir(spec.working_dir.c_str()) != 0) child_fail(report_fd, kStageExec);
  ::execve(argv[0], argv, envp);
  child_fail(report_fd, kStageExec);
}

}  // namespace

RunAs account_of(uid_t uid, gid_t gid) {
  RunAs as;
  as.switch_user = ::geteuid() == 0;
  as.uid = uid;
  as.gid = gid;
  as.name = std::to_string(uid);
  as.home = "/";
  as.groups = {gid};
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || !found) return as;
  as.name = pw.pw_name;
  as.home = pw.pw_dir && *pw.pw_dir ? pw.pw_dir : "/";
  int n = 0;
  ::getgrouplist(pw.pw_name, gid, nullptr, &n);  // -1, with the count in n
  std::vector<gid_t> groups(static_cast<size_t>(std::max(n, 1)));
  n = static_cast<int>(groups.size());
  if (::getgrouplist(pw.pw_name, gid, groups.data(), &n) < 0) return as;
  groups.resize(static_cast<size_t>(n));
  as.groups = std::move(groups);
  return as;
}

pid_t start_process(const ProcessSpec& spec) {
  if (spec.argv.empty()) throw Error(ExitCode::usage, "no program to run");
  const std::string& program = spec.argv[0];
  CStrings argv(spec.argv), envp(child_environment(spec.run_as));
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw io_error("creating a pipe to run " + program, errno);
  UniqueFd report_read(report[0]), report_write(report[1]);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw io_error("starting " + program, errno);
  if (pid == 0) exec_child(argv.get(), envp.get(), spec, report[1]);
  report_write.reset();
  ChildFailure f{};
  const ssize_t n = read_some(report_read.get(), &f, sizeof f);  // EOF once exec succeeded
  if (n == static_cast<ssize_t>(sizeof f)) {
    wait_process(pid);
    const RunAs& as = spec.run_as;
    std::string who = f.stage == kStageUser ? " as " + as.name + " (uid " + std::to_string(as.uid) + ")" : "";
    throw Error(ExitCode::source, "cannot run " + program + who + ": " + errno_text(f.err));
  }
  return pid;
}

int wait_process(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 128;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run_process(const ProcessSpec& spec) {
  const pid_t pid = start_process(spec);
  constexpr int64_t kPollMs = 50;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (done < 0 && errno != EINTR) return 128;
    if (!spec.clock->sleep_for_ms(kPollMs, spec.cancel)) {
      ::kill(pid, SIGTERM);
      wait_process(pid);
      spec.cancel.throw_if_cancelled();
    }
  }
}

std::string one_line(const std::string& text) {
  std::string out, line;
  auto flush = [&] {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (!line.empty()) out += (out.empty() ? "" : "; ") + line;
    line.clear();
  };
  for (char c : text) {
    if (c == '\n') flush();
    else line += c;
  }
  flush();
  return out;
}

OutputCapture::OutputCapture() : fd_(::memfd_create("strata-capture", MFD_CLOEXEC)) {
  if (fd_ < 0) throw io_error("creating a buffer for a child's output", errno);
}

OutputCapture::~OutputCapture() { ::close(fd_); }

std::string OutputCapture::text() const {
  Bytes data;
  if (pread_full(fd_, 0, static_cast<uint64_t>(::lseek(fd_, 0, SEEK_END)), data) != 0) return "";
  return std::string(data.begin(), data.end());
}

std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

std::string self_executable() {
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) throw io_error("finding the strata executable (/proc/self/exe)", errno);
  return std::string(exe, static_cast<size_t>(n));
}

}  // namespace strata::posix
