// Table and schema recovery through a scratch instance (see table_restore.h).
// PostgreSQL's programs run as child processes (fork + execve with an argument
// vector: no shell, nothing to quote); as root they run as the owner of the
// restored data directory, because the server refuses to run as root.
#include "source/postgres/table_restore.h"

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "common/error.h"
#include "common/emergency_cleanup.h"
#include "common/log.h"
#include "common/time_util.h"
#include "repo/record_store.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/stanza.h"

extern char** environ;

namespace strata::source::postgres {

namespace fs = std::filesystem;

namespace {

constexpr size_t kLogTailLines = 5;
constexpr int kStopTimeoutSeconds = 60;
constexpr int kKillWaitMs = 10'000;

// ---------------------------------------------------------------- processes

// Who runs PostgreSQL's programs: this process's user, or (as root) the owner
// of the restored data directory.
struct RunAs {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string name;  // user name (or the uid in decimal when it has none)
  std::string home;
};

// A NULL-terminated char* vector for execve, built before fork (the child
// allocates nothing).
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

// Our environment; HOME, USER and LOGNAME of the user switched to.
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

// What the child reports through the close-on-exec pipe when it cannot exec.
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

// In the child after fork: only system calls from here on.
[[noreturn]] void exec_child(char** argv, char** envp, const RunAs& as, int out_fd, int err_fd, int report_fd) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // strata blocks SIGINT/SIGTERM/SIGHUP in every thread
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, nullptr);  // strata ignores SIGPIPE
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);
  if (report_fd > 3) ::close_range(3, static_cast<unsigned>(report_fd) - 1, 0);
  ::close_range(static_cast<unsigned>(report_fd) + 1, ~0U, 0);
  if (as.switch_user && (::setgroups(as.groups.size(), as.groups.data()) != 0 || ::setgid(as.gid) != 0 ||
                         ::setuid(as.uid) != 0))
    child_fail(report_fd, kStageUser);
  if (::chdir("/") != 0) child_fail(report_fd, kStageExec);
  ::execve(argv[0], argv, envp);
  child_fail(report_fd, kStageExec);
}

int wait_for_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 128;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs args[0] (a path) with stdout/stderr on the given descriptors and waits
// for it; returns its exit code (128 + signal when killed). Error(source) when
// it cannot be started at all.
int run_program(const std::vector<std::string>& args, const RunAs& as, int out_fd, int err_fd) {
  CStrings argv(args), envp(child_environment(as));
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw io_error("creating a pipe to run " + args[0], errno);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    throw io_error("starting " + args[0], err);
  }
  if (pid == 0) exec_child(argv.get(), envp.get(), as, out_fd, err_fd, report[1]);
  ::close(report[1]);
  ChildFailure f{};
  ssize_t n;
  do n = ::read(report[0], &f, sizeof f);
  while (n < 0 && errno == EINTR);
  ::close(report[0]);
  const int code = wait_for_child(pid);
  if (n == static_cast<ssize_t>(sizeof f)) {
    std::string who = f.stage == kStageUser ? " as " + as.name + " (uid " + std::to_string(as.uid) + ")" : "";
    throw Error(ExitCode::source, "cannot run " + args[0] + who + ": " + errno_text(f.err));
  }
  return code;
}

// An anonymous in-memory file that collects a child's output.
class Capture {
 public:
  Capture() : fd_(::memfd_create("strata-capture", MFD_CLOEXEC)) {
    if (fd_ < 0) throw io_error("creating a buffer for a child's output", errno);
  }
  ~Capture() { ::close(fd_); }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  int fd() const { return fd_; }
  std::string text() const {
    std::string out;
    char buf[4096];
    ssize_t n;
    off_t at = 0;
    while ((n = ::pread(fd_, buf, sizeof buf, at)) > 0) {
      out.append(buf, static_cast<size_t>(n));
      at += n;
    }
    return out;
  }

 private:
  int fd_;
};

// Several lines as one: "a; b" (trailing blanks dropped).
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

// ---------------------------------------------------------------- programs

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

// `pg_config --bindir`, or "" when pg_config is missing or fails.
std::string pg_config_bindir() {
  const std::string exe = find_in_path("pg_config");
  if (exe.empty()) return "";
  Capture out, err;
  try {
    if (run_program({exe, "--bindir"}, RunAs{}, out.fd(), err.fd()) != 0) return "";
  } catch (const Error&) {
    return "";
  }
  std::string dir = one_line(out.text());
  return dir;
}

bool has_programs(const std::string& dir) {
  return !dir.empty() && ::access((dir + "/pg_ctl").c_str(), X_OK) == 0 &&
         ::access((dir + "/pg_dump").c_str(), X_OK) == 0;
}

std::string resolve_bindir(const std::string& given, int server_version_num) {
  if (!given.empty()) {
    if (!has_programs(given)) throw Error(ExitCode::usage, given + " has no executable pg_ctl and pg_dump");
    return given;
  }
  const std::string versioned = "/usr/lib/postgresql/" + std::to_string(server_version_num / 10000) + "/bin";
  for (const std::string& dir : {pg_config_bindir(), versioned, std::string("/usr/lib/postgresql/15/bin")})
    if (has_programs(dir)) return dir;
  throw Error(ExitCode::source, "PostgreSQL's pg_ctl and pg_dump were found neither in the directory of "
                                "'pg_config --bindir' nor in " + versioned + "; give --pg-bindir DIR");
}

// ---------------------------------------------------------------- scratch directory

std::string scratch_parent(const std::string& given) {
  std::string parent = given;
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    parent = tmp && *tmp ? tmp : "/tmp";
  }
  parent = fs::absolute(parent).lexically_normal().string();
  while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
  return parent;
}

// A new, empty directory (mode 0700) below `parent`.
std::string make_scratch_dir(const std::string& given_parent) {
  const std::string parent = scratch_parent(given_parent);
  std::string templ = parent + "/strata-restore-table.XXXXXX";
  // The server's socket, <dir>/.s.PGSQL.<port>, must fit in sun_path (108 bytes).
  if (templ.size() + 17 >= sizeof(sockaddr_un{}.sun_path))
    throw Error(ExitCode::usage, "the scratch directory " + templ + " is too long a path for the server's Unix "
                                 "socket; give --scratch-dir a shorter directory");
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw io_error("creating " + parent, ec.value());
  if (!::mkdtemp(templ.data())) throw io_error("creating a scratch directory in " + parent, errno);
  return templ;
}

// Name, home and groups of `as.uid` from the user database (kept as the uid,
// "/" and the primary group when it has no entry there).
void add_account_details(RunAs& as) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(as.uid, &pw, buf.data(), buf.size(), &found) != 0 || !found) return;
  as.name = pw.pw_name;
  as.home = pw.pw_dir && *pw.pw_dir ? pw.pw_dir : "/";
  int n = 0;
  ::getgrouplist(pw.pw_name, as.gid, nullptr, &n);  // -1, with the count in n
  std::vector<gid_t> groups(static_cast<size_t>(std::max(n, 1)));
  n = static_cast<int>(groups.size());
  if (::getgrouplist(pw.pw_name, as.gid, groups.data(), &n) < 0) return;
  groups.resize(static_cast<size_t>(n));
  as.groups = std::move(groups);
}

// The owner of the restored data directory; as root, the user to switch to.
RunAs owner_of(const std::string& pgdata) {
  struct stat st {};
  if (::stat(pgdata.c_str(), &st) != 0) throw io_error("inspecting " + pgdata, errno);
  RunAs as;
  as.switch_user = ::geteuid() == 0;
  as.uid = st.st_uid;
  as.gid = st.st_gid;
  as.name = std::to_string(st.st_uid);
  as.home = "/";
  as.groups = {st.st_gid};
  add_account_details(as);
  if (as.switch_user && as.uid == 0)
    throw Error(ExitCode::usage, pgdata + " (restored from the backup) is owned by root, and PostgreSQL refuses to "
                                          "run as root; the backup's data directory must belong to the server's user");
  return as;
}

bool in_groups(const RunAs& as, gid_t gid) {
  for (gid_t g : as.groups)
    if (g == gid) return true;
  return false;
}

// Error(usage) unless `as` may search every directory above `dir` (the server
// must reach its data directory, log and socket there).
void check_reachable(const std::string& dir, const RunAs& as) {
  for (fs::path p = fs::path(dir).parent_path();; p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) throw io_error("inspecting " + p.string(), errno);
    const mode_t bit = st.st_uid == as.uid ? S_IXUSR : in_groups(as, st.st_gid) ? S_IXGRP : S_IXOTH;
    if (!(st.st_mode & bit)) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      throw Error(ExitCode::usage, "the scratch directory " + dir + " is not reachable by " + as.name + " (uid " +
                                       std::to_string(as.uid) + "), who owns the restored data directory and runs "
                                       "the scratch instance: " + p.string() + " has mode " + mode +
                                       "; give --scratch-dir a directory that user can reach");
    }
    if (p == p.root_path() || p.empty()) break;
  }
}

// ---------------------------------------------------------------- configuration

std::string conf_quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

void write_owned_file(const std::string& path, const std::string& content, const RunAs& as, int flags) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);
  if (fd < 0) throw io_error("writing " + path, errno);
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  int err = errno;
  if (ok && as.switch_user && ::fchown(fd, as.uid, as.gid) != 0) {
    ok = false;
    err = errno;
  }
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) throw io_error("writing " + path, err);
}

// What makes the restored copy a private, short-lived instance: its own port
// on loopback only, its socket in the scratch directory, no archiving, no
// waiting for synchronous standbys, the log in the file pg_ctl -l names.
std::vector<std::string> scratch_settings(int port, const std::string& dir) {
  return {"port = " + std::to_string(port),
          "listen_addresses = '127.0.0.1'",
          "unix_socket_directories = " + conf_quote(dir),
          "archive_mode = 'off'",
          "hot_standby = on",
          "synchronous_standby_names = ''",
          "logging_collector = off",
          "log_destination = 'stderr'"};
}

// Appends the scratch settings; supplies the configuration files that a cluster
// configured outside its data directory (Debian's /etc/postgresql) lacks.
void configure_scratch(const std::string& pgdata, int port, const std::string& dir, const RunAs& as) {
  std::string text = "# scratch instance of strata pg restore-table\n";
  for (const auto& s : scratch_settings(port, dir)) text += s + "\n";
  write_owned_file(pgdata + "/postgresql.auto.conf", text, as, O_APPEND);
  std::error_code ec;
  if (!fs::exists(pgdata + "/postgresql.conf", ec)) write_owned_file(pgdata + "/postgresql.conf", "", as, O_EXCL);
  if (!fs::exists(pgdata + "/pg_hba.conf", ec))
    write_owned_file(pgdata + "/pg_hba.conf",
                     "local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n", as, O_EXCL);
}

int free_loopback_port() {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) throw io_error("creating a socket to find a free port", errno);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    ::close(s);
    throw io_error("finding a free port on 127.0.0.1", err);
  }
  ::close(s);
  return ntohs(addr.sin_port);
}

// "last lines of L: a | b | c": what the server said before it failed.
std::string log_tail(const std::string& log) {
  std::ifstream in(log);
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    last.push_back(line);
    if (last.size() > kLogTailLines) last.pop_front();
  }
  if (last.empty()) return "its log " + log + " is empty";
  std::string out = "last lines of its log " + log + ": ";
  for (size_t i = 0; i < last.size(); ++i) out += (i ? " | " : "") + last[i];
  return out;
}

// ---------------------------------------------------------------- the scratch instance's processes

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

// Sends `sig` to the postmaster (and its process group when it leads one) and
// waits up to `wait_ms` for it to go.
bool signal_and_wait(pid_t pid, const std::string& pgdata, int sig, int wait_ms) {
  if (!is_postmaster_of(pid, pgdata)) return true;
  ::kill(::getpgid(pid) == pid ? -pid : pid, sig);
  for (int waited = 0; waited < wait_ms; waited += 50) {
    if (!is_postmaster_of(pid, pgdata)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return !is_postmaster_of(pid, pgdata);
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// The scratch directory and the server running in it, as one guard: whatever
// happens, the server is stopped and the directory removed (kept, stopped,
// with keep). A forced exit that does not unwind (run_emergency_cleanups) still
// shuts the server down and removes the directory.
class ScratchInstance {
 public:
  ScratchInstance(std::string dir, bool keep) : dir_(std::move(dir)), keep_(keep) {
    cleanup_ = add_emergency_cleanup([this] { Abandon(); });
  }
  ~ScratchInstance() {
    if (finished_) return;
    std::vector<std::string> problems;
    Finish(problems);
    for (const auto& p : problems) log_warning(p);
  }
  ScratchInstance(const ScratchInstance&) = delete;
  ScratchInstance& operator=(const ScratchInstance&) = delete;

  const std::string& dir() const { return dir_; }
  const RunAs& run_as() const { return as_; }
  std::string pgdata() const { return dir_ + "/pgdata"; }
  std::string log() const { return dir_ + "/postgres.log"; }

  // The programs and the user that start and stop the server.
  void Prepare(const std::string& bindir, const RunAs& as) {
    bindir_ = bindir;
    as_ = as;
  }

  // pg_ctl start -w; Error(source) with the log's last lines when it fails.
  void Start(int timeout_seconds) {
    std::error_code ec;
    canonical_pgdata_ = fs::canonical(pgdata(), ec).string();
    if (ec) throw io_error("resolving " + pgdata(), ec.value());
    may_run_ = true;
    Capture out;
    const int rc = run_program({bindir_ + "/pg_ctl", "-D", pgdata(), "-l", log(), "-w", "-t",
                                std::to_string(timeout_seconds), "start"},
                               as_, out.fd(), out.fd());
    pid_ = read_postmaster_pid(pgdata());
    if (rc != 0)
      throw Error(ExitCode::source, "the scratch instance in " + pgdata() + " did not start within " +
                                        std::to_string(timeout_seconds) + " s (pg_ctl exit " + std::to_string(rc) +
                                        ": " + one_line(out.text()) + "); " + log_tail(log()) + KeepHint());
  }

  bool Running() const { return is_postmaster_of(pid_, canonical_pgdata_); }

  // Stops the server and removes the directory (unless kept); problems are
  // added to `warnings`, never thrown.
  void Finish(std::vector<std::string>& warnings) {
    Stop(warnings);
    Remove(warnings);
    remove_emergency_cleanup(cleanup_);
    finished_ = true;
  }

  std::string KeepHint() const { return keep_ ? "" : " (add --keep-scratch to keep the scratch directory)"; }

 private:
  void Stop(std::vector<std::string>& warnings) {
    if (!may_run_) return;
    pid_t pid = pid_ ? pid_.load() : read_postmaster_pid(pgdata());
    try {
      Capture out;
      run_program({bindir_ + "/pg_ctl", "-D", pgdata(), "-m", "fast", "-w", "-t",
                   std::to_string(kStopTimeoutSeconds), "stop"},
                  as_, out.fd(), out.fd());
    } catch (const Error& e) {
      warnings.push_back(std::string("stopping the scratch instance: ") + e.what());
    }
    if (!signal_and_wait(pid, canonical_pgdata_, SIGKILL, kKillWaitMs))
      warnings.push_back("the scratch instance (pid " + std::to_string(pid) + ") did not stop, even after SIGKILL");
    may_run_ = false;
  }

  void Remove(std::vector<std::string>& warnings) {
    if (keep_) return;
    std::error_code ec;
    fs::remove_all(dir_, ec);
    if (ec) warnings.push_back("removing the scratch directory " + dir_ + ": " + ec.message());
  }

  // On a forced exit: immediate shutdown, SIGKILL if need be, then remove.
  void Abandon() noexcept {
    const pid_t pid = pid_ ? pid_.load() : read_postmaster_pid(pgdata());
    if (pid > 0 && !signal_and_wait(pid, canonical_pgdata_, SIGQUIT, 5000))
      signal_and_wait(pid, canonical_pgdata_, SIGKILL, kKillWaitMs);
    std::error_code ec;
    if (!keep_) fs::remove_all(dir_, ec);
  }

  std::string dir_;
  bool keep_;
  std::string bindir_, canonical_pgdata_;
  RunAs as_;
  std::atomic<pid_t> pid_{0};
  bool may_run_ = false;
  bool finished_ = false;
  EmergencyCleanupId cleanup_ = 0;
};

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

// Waits until the server has replayed WAL to the target and promoted.
void wait_until_promoted(const ScratchInstance& s, const ConnectionSettings& cs, int timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  std::unique_ptr<PgConnection> conn;
  std::string last = "no answer yet";
  for (;;) {
    if (!s.Running())
      throw Error(ExitCode::source, "the scratch instance stopped during recovery; " + log_tail(s.log()) + s.KeepHint());
    try {
      if (!conn) conn = std::make_unique<PgConnection>(cs);
      if (conn->value("select pg_is_in_recovery()") == "f") return;
      last = "still in recovery";
    } catch (const Error& e) {
      if (!server_busy(e.what()))
        throw Error(ExitCode::source, std::string("the scratch instance is up, but ") + e.what() + s.KeepHint());
      conn.reset();
      last = e.what();
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw Error(ExitCode::source, "the scratch instance on 127.0.0.1:" + std::to_string(cs.port) +
                                        " did not finish recovery within " + std::to_string(timeout_seconds) +
                                        " s (" + last + "); " + log_tail(s.log()) + s.KeepHint());
    sleep_ms(250);
  }
}

// ---------------------------------------------------------------- the SQL

// Where the SQL goes: a temporary file beside --output, renamed into place only
// when pg_dump succeeded (never a partial dump under the final name), or
// standard output.
class OutputFile {
 public:
  explicit OutputFile(const std::string& path) : path_(path) {
    if (path_.empty()) return;
    tmp_ = path_ + ".strata-tmp";
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) throw io_error("creating " + tmp_, errno);
    cleanup_ = add_emergency_cleanup([tmp = tmp_] { ::unlink(tmp.c_str()); });
  }
  ~OutputFile() {
    if (path_.empty()) return;
    if (!committed_) {
      ::close(fd_);
      ::unlink(tmp_.c_str());
    }
    remove_emergency_cleanup(cleanup_);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  int fd() const { return fd_; }

  // Makes the file durable under its name; its size (0 for standard output).
  uint64_t Commit() {
    if (path_.empty()) return 0;
    struct stat st {};
    if (::fsync(fd_) != 0 || ::fstat(fd_, &st) != 0) throw io_error("writing " + tmp_, errno);
    const int rc = ::close(fd_);
    fd_ = -1;
    committed_ = true;
    if (rc != 0) {
      int err = errno;
      ::unlink(tmp_.c_str());
      throw io_error("writing " + tmp_, err);
    }
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
      int err = errno;
      ::unlink(tmp_.c_str());
      throw io_error("renaming " + tmp_ + " to " + path_, err);
    }
    return static_cast<uint64_t>(st.st_size);
  }

 private:
  std::string path_, tmp_;
  int fd_ = 1;
  bool committed_ = false;
  EmergencyCleanupId cleanup_ = 0;
};

// dbname as a connection string, so that a name with '=' is never read as one.
std::string dbname_conninfo(const std::string& database) {
  std::string out = "dbname='";
  for (char c : database) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::vector<std::string> pg_dump_args(const std::string& bindir, int port, const std::string& user,
                                      const TableRestoreOptions& o) {
  std::vector<std::string> args = {bindir + "/pg_dump", "-h", "127.0.0.1", "-p", std::to_string(port),
                                   "-U", user, "-d", dbname_conninfo(o.database), "--no-password",
                                   "--strict-names"};
  for (const auto& t : o.tables) args.push_back("--table=" + t);
  for (const auto& s : o.schemas) args.push_back("--schema=" + s);
  return args;
}

// Runs pg_dump into `out_fd`; its stderr becomes warnings, or the error.
std::vector<std::string> dump_sql(const std::vector<std::string>& args, const RunAs& as, int out_fd,
                                  const std::string& database) {
  Capture err;
  const int rc = run_program(args, as, out_fd, err.fd());
  const std::string said = one_line(err.text());
  if (rc != 0)
    throw Error(ExitCode::source, "pg_dump of database '" + database + "' on the scratch instance failed (exit " +
                                      std::to_string(rc) + "): " + (said.empty() ? "no message" : said));
  if (said.empty()) return {};
  return {"pg_dump: " + said};
}

void check_options(const TableRestoreOptions& o) {
  if (o.restore.target.kind != TargetKind::time)
    throw Error(ExitCode::usage, "pg restore-table needs a target time: --target-time T");
  if (o.tables.empty() && o.schemas.empty())
    throw Error(ExitCode::usage, "name what to extract: --table SCHEMA.NAME or --schema NAME (repeatable)");
  if (!o.tables.empty() && !o.schemas.empty())
    throw Error(ExitCode::usage, "give --table or --schema, not both (pg_dump ignores --schema when --table is "
                                 "given); run the command once for each");
  if (o.database.empty()) throw Error(ExitCode::usage, "--database must not be empty");
  for (const auto& p : o.tables)
    if (p.empty()) throw Error(ExitCode::usage, "--table must not be empty");
  for (const auto& p : o.schemas)
    if (p.empty()) throw Error(ExitCode::usage, "--schema must not be empty");
}

void say(const StepNote& note, const std::string& line) {
  if (note) note(line);
}

// Phase 1: the backup for the target, restored into the scratch directory as a
// copy that promotes at the target and archives nothing; returns its owner.
RunAs restore_into(ScratchInstance& scratch, repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                   const TableRestoreOptions& options, ProgressCounters& progress, TableRestoreResult& result) {
  PgRestoreOptions ro = options.restore;
  ro.pgdata = scratch.pgdata();
  ro.tablespaces_under = scratch.pgdata() + ".tablespaces";
  ro.archive_off = true;
  ro.target_action = "promote";
  ro.delta = false;
  PgRestoreResult restored = run_pg_restore(repo, snaps, ro, progress);
  result.backup = restored.backup;
  result.warnings = restored.files.warnings;
  RunAs as = owner_of(scratch.pgdata());
  if (as.switch_user) {
    if (::chown(scratch.dir().c_str(), as.uid, as.gid) != 0)
      throw io_error("changing the owner of " + scratch.dir(), errno);
    check_reachable(scratch.dir(), as);
  }
  return as;
}

// Phase 2: the scratch instance started on a free port and promoted at the target.
void start_and_recover(ScratchInstance& scratch, const ConnectionSettings& cs, const TableRestoreOptions& options) {
  configure_scratch(scratch.pgdata(), cs.port, scratch.dir(), scratch.run_as());
  scratch.Start(options.start_timeout_seconds);
  wait_until_promoted(scratch, cs, options.recovery_timeout_seconds);
}

}  // namespace

TableRestoreResult run_table_restore(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                                     const TableRestoreOptions& options, ProgressCounters& progress,
                                     const StepNote& note) {
  check_options(options);
  repo::RecordStore records(repo);
  const StanzaRecord stanza = load_stanza(records, options.restore.stanza, repo.backend().location());
  const std::string bindir = resolve_bindir(options.bindir, stanza.server_version_num);
  OutputFile output(options.output);
  ScratchInstance scratch(make_scratch_dir(options.scratch_parent), options.keep_scratch);
  TableRestoreResult result;
  result.scratch_dir = scratch.dir();

  say(note, "restoring the backup for " + options.restore.target.text + " into " + scratch.pgdata());
  const RunAs as = restore_into(scratch, repo, snaps, options, progress, result);
  scratch.Prepare(bindir, as);
  ConnectionSettings cs;
  cs.host = "127.0.0.1";
  cs.port = result.port = free_loopback_port();
  cs.user = options.user.empty() ? as.name : options.user;
  cs.database = options.database;
  say(note, "starting the scratch instance on 127.0.0.1:" + std::to_string(cs.port) + " (" + bindir +
                "/pg_ctl as " + as.name + "); it replays WAL to the target and promotes");
  start_and_recover(scratch, cs, options);

  say(note, "recovered; dumping from database '" + options.database + "' with pg_dump");
  auto said = dump_sql(pg_dump_args(bindir, cs.port, cs.user, options), as, output.fd(), options.database);
  result.warnings.insert(result.warnings.end(), said.begin(), said.end());
  result.output_bytes = output.Commit();
  scratch.Finish(result.warnings);
  return result;
}

}  // namespace strata::source::postgres
