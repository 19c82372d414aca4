// Options shared by every command (repository, secret, output mode, threads) and the
// helpers commands use to open the repository, lock it and report progress.
#pragma once
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "app/job.h"
#include "app/repository_access.h"
#include "cli/progress_reporter.h"
#include "common/progress.h"
#include "config/config_file.h"
#include "repo/lock.h"
#include "repo/repository.h"
#include "repo/snapshot.h"

namespace CLI {
class App;
}

namespace strata::cli {

struct GlobalOptions {
  std::string repo;
  std::string password_file;
  std::string key_file;
  bool quiet = false;
  bool json = false;
  unsigned threads = 0;
  bool no_cache = false;   // remote repositories: do not use the local metadata cache
  std::string cache_dir;   // root of the metadata caches (one directory per repository id)
  std::string config;      // strata.yaml (--config, STRATA_CONFIG); empty: none
  // The file `config` names, read by apply_environment; empty settings without one.
  std::shared_ptr<const config::ConfigFile> file = std::make_shared<config::ConfigFile>();
  bool no_lock = false;    // commands that only read take no lock (refused by the others)
};

// Fills unset options from STRATA_* environment variables, then reads strata.yaml
// (--config or STRATA_CONFIG) and fills what is still unset from it: flags win over
// the environment, the environment over the file.
void apply_environment(GlobalOptions& g);

// The settings strata.yaml gives; Error(usage) naming `what_for` when no file was
// given (for commands that cannot work without one, e.g. replicas).
const config::ConfigFile& required_config(const GlobalOptions& g, const std::string& what_for);

// The repository `g` names and how to open it, for the use cases of app/.
app::RepositoryAccess repository_access(const GlobalOptions& g);

// The one job this process runs (its cancellation token, progress counters and
// thread count), handed to the use cases of app/.
app::Job& job(const GlobalOptions& g);

// app::open_repository / app::lock_for_reading for the repository of `g`.
std::unique_ptr<repo::Repository> open_repository(const GlobalOptions& g);
std::unique_ptr<repo::RepoLock> lock_for_reading(const GlobalOptions& g, repo::Repository& repo,
                                                 const std::string& operation, int wait_seconds = 0);

// Marks a subcommand as one that only reads repositories: it accepts --no-lock.
void mark_reading(CLI::App& cmd);
// With --no-lock, throws Error(usage) unless the command about to run is marked
// reading; called once the command line is parsed, before any command runs.
void refuse_no_lock_for_writers(const CLI::App& app, const GlobalOptions& g);

// Terminal progress line only on a TTY and without --quiet/--json.
ProgressMode progress_mode(const GlobalOptions& g, bool json_events = false);

// The --latest-readable flag of commands that take a snapshot reference, and the
// rule it selects for repo::resolve_snapshot.
void add_latest_readable_flag(CLI::App& cmd, bool& latest_readable);
inline repo::LatestRule latest_rule(bool latest_readable) {
  return latest_readable ? repo::LatestRule::newest_readable : repo::LatestRule::strict;
}

// Prints to stdout unless quiet.
void say(const GlobalOptions& g, const std::string& line);

}  // namespace strata::cli
