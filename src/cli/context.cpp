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

#include "cli/signals.h"
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

app::RepositoryAccess repository_access(const GlobalOptions& g) {
  const char* password = std::getenv("STRATA_PASSWORD");
  return {g.repo, g.key_file, g.password_file, password ? password : "", g.cache_dir, g.no_cache, g.no_lock};
}

app::Job& job(const GlobalOptions& g) {
  static app::Job the_job;
  the_job.threads = g.threads;
  the_job.cancel = process_cancel_source().token();
  return the_job;
}

std::unique_ptr<repo::Repository> open_repository(const GlobalOptions& g) {
  return app::open_repository(repository_access(g), job(g));
}

std::unique_ptr<repo::RepoLock> lock_for_reading(const GlobalOptions& g, repo::Repository& repo,
                                                 const std::string& operation, int wait_seconds) {
  return app::lock_for_reading(repository_access(g), repo, operation, job(g), wait_seconds);
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

void add_latest_readable_flag(CLI::App& cmd, bool& latest_readable) {
  cmd.add_flag("--latest-readable", latest_readable,
               "'latest' means the newest snapshot that can be read, even if a newer one is unreadable");
}

void say(const GlobalOptions& g, const std::string& line) {
  if (g.quiet) return;
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
}

}  // namespace strata::cli
