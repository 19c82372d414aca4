// Repository/secret resolution and output helpers for commands.
#include "cli/context.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>

#include "common/error.h"
#include "common/time_util.h"
#include "common/host_identity.h"
#include "config/ranges.h"
#include "storage/backend.h"
#include "storage/local_backend.h"

namespace strata::cli {

void apply_environment(GlobalOptions& g) {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  if (g.repo.empty()) g.repo = env("STRATA_REPOSITORY");
  if (g.password_file.empty()) g.password_file = env("STRATA_PASSWORD_FILE");
  if (g.key_file.empty()) g.key_file = env("STRATA_KEY_FILE");
  if (g.cache_dir.empty()) g.cache_dir = env("STRATA_CACHE_DIR");
  if (g.cache_dir.empty() && !env("XDG_CACHE_HOME").empty()) g.cache_dir = env("XDG_CACHE_HOME") + "/strata";
  if (g.cache_dir.empty() && !env("HOME").empty()) g.cache_dir = env("HOME") + "/.cache/strata";
  std::string threads = env("STRATA_THREADS");
  if (g.threads == 0 && !threads.empty())
    g.threads = static_cast<unsigned>(config::parse_whole(threads, "STRATA_THREADS", config::kThreads));
  if (g.config.empty()) g.config = env("STRATA_CONFIG");
  if (!g.config.empty() && g.file->path.empty()) {
    g.file = std::make_shared<config::ConfigFile>(config::load_config_file(g.config));
    config::RepositorySettings r{g.repo, g.password_file, g.key_file};
    config::apply_file_defaults(r, *g.file);
    g.repo = r.repository;
    g.password_file = r.password_file;
    g.key_file = r.key_file;
  }
}

const config::ConfigFile& required_config(const GlobalOptions& g, const std::string& what_for) {
  if (g.file->path.empty())
    throw Error(ExitCode::usage, what_for + " come from strata.yaml: use --config FILE or STRATA_CONFIG");
  return *g.file;
}

GlobalOptions with_repository(const GlobalOptions& g, const std::string& repo, const std::string& key_file,
                              const std::string& password_file) {
  GlobalOptions o = g;
  o.repo = repo;
  if (!key_file.empty() || !password_file.empty()) {
    o.key_file = key_file;
    o.password_file = password_file;
  }
  return o;
}

// The whole file. A directory, or any file that cannot be opened or read, is
// Error(io) "cannot read <what> <path>: <reason>" (an ifstream opens a directory
// and reads nothing, which would pass for an empty passphrase).
static std::string read_text_file(const std::string& path, const char* what) {
  const std::string where = std::string("cannot read ") + what + " " + path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io_error(where, errno);
  struct stat st {};
  int err = ::fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
  if (err) {
    ::close(fd);
    throw io_error(where, err);
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = errno;
      ::close(fd);
      if (n < 0) throw io_error(where, err);
      return text;
    }
    text.append(buf, static_cast<size_t>(n));
  }
}

std::string read_passphrase_file(const std::string& path) {
  std::string text = read_text_file(path, "password file");
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Bytes read_key_file(const std::string& path) {
  try {
    return crypto::parse_key_file(read_text_file(path, "key file"));
  } catch (const Error& e) {
    if (e.code() != ExitCode::usage) throw;
    throw e.with_prefix(path);
  }
}

crypto::SlotInfo make_slot_info(const std::string& label) {
  crypto::SlotInfo info;
  info.label = label;
  info.host = local_hostname();
  info.user = local_username();
  info.created = format_rfc3339(now_ns());
  return info;
}

crypto::Secret load_secret(const GlobalOptions& g) {
  crypto::Secret s;
  if (!g.key_file.empty()) {
    s.kind = crypto::Secret::Kind::key_file;
    s.key_file_bytes = read_key_file(g.key_file);
    return s;
  }
  s.kind = crypto::Secret::Kind::passphrase;
  if (!g.password_file.empty()) {
    s.passphrase = read_passphrase_file(g.password_file);
  } else if (const char* p = std::getenv("STRATA_PASSWORD")) {
    s.passphrase = p;
  } else {
    throw Error(ExitCode::usage,
                "no key given: use --key-file, --password-file, or STRATA_KEY_FILE / "
                "STRATA_PASSWORD_FILE / STRATA_PASSWORD");
  }
  if (s.passphrase.empty()) throw Error(ExitCode::usage, "the passphrase is empty");
  return s;
}

std::unique_ptr<repo::Repository> open_repository(const GlobalOptions& g) {
  if (g.repo.empty())
    throw Error(ExitCode::usage, "no repository given: use --repo or STRATA_REPOSITORY");
  auto backend = storage::open_backend(g.repo);
  if (!backend->stat("config"))
    throw Error(ExitCode::repo_missing, "no repository at " + backend->location() +
                                            " (no config object); create one with 'strata init'");
  auto repo = repo::Repository::open(std::move(backend), load_secret(g));
  if (repo->backend().remote() && !g.no_cache && !g.cache_dir.empty())
    repo->attach_cache(std::make_unique<storage::LocalBackend>(g.cache_dir + "/" + repo->config().id,
                                                               storage::LocalBackend::Durability::unsynced));
  return repo;
}

std::unique_ptr<repo::RepoLock> lock_for_reading(const GlobalOptions& g, repo::Repository& repo,
                                                 const std::string& operation, int wait_seconds) {
  if (g.no_lock) return nullptr;
  auto access = repo::RepoLock::acquire_for_reading(repo, operation, wait_seconds);
  static std::set<std::string> warned;  // one warning per repository
  const std::string where = repo.backend().location();
  if (!access.lock && warned.insert(where).second)
    std::fprintf(stderr,
                 "strata: warning: repository %s is read-only (%s): reading without a lock (a concurrent "
                 "prune could remove data this command needs)\n",
                 where.c_str(), errno_text(access.refusal).c_str());
  return std::move(access.lock);
}

namespace {
std::set<const CLI::App*>& reading_commands() {
  static std::set<const CLI::App*> marked;
  return marked;
}

// "pg backup": the names below the application's.
std::string command_path(const CLI::App& cmd) {
  std::string path = cmd.get_name();
  for (const CLI::App* p = cmd.get_parent(); p && p->get_parent(); p = p->get_parent())
    path = p->get_name() + " " + path;
  return path;
}
}  // namespace

void mark_reading(CLI::App& cmd) { reading_commands().insert(&cmd); }

void refuse_no_lock_for_writers(const CLI::App& app, const GlobalOptions& g) {
  if (!g.no_lock) return;
  const CLI::App* cmd = &app;
  while (!cmd->get_subcommands().empty()) cmd = cmd->get_subcommands().front();
  if (!reading_commands().contains(cmd))
    throw Error(ExitCode::usage, "--no-lock is only for commands that read: " + command_path(*cmd) +
                                     " writes to the repository");
}

ProgressMode progress_mode(const GlobalOptions& g, bool json_events) {
  if (g.json) return json_events ? ProgressMode::json : ProgressMode::none;
  if (g.quiet || !isatty(STDERR_FILENO)) return ProgressMode::none;
  return ProgressMode::terminal;
}

repo::SnapshotList load_snapshot_list_or_warn(repo::Repository& repo) {
  auto list = repo::load_snapshot_list(repo);
  for (const auto& bad : list.unreadable)
    std::fprintf(stderr, "strata: warning: skipping unreadable snapshot: %s ('strata check' for details)\n",
                 bad.problem.c_str());
  return list;
}

void add_latest_readable_flag(CLI::App& cmd, bool& latest_readable) {
  cmd.add_flag("--latest-readable", latest_readable,
               "'latest' means the newest snapshot that can be read, even if a newer one is unreadable");
}

std::vector<repo::Snapshot> load_snapshots_or_warn(repo::Repository& repo) {
  return load_snapshot_list_or_warn(repo).readable;
}

void say(const GlobalOptions& g, const std::string& line) {
  if (g.quiet) return;
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
}

}  // namespace strata::cli
