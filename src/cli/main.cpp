// strata: entry point. Parses the command line, runs one command and maps errors to
// the documented exit codes (docs/exit-codes.md), printing one line per error.
#include <csignal>
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "cli/number_option.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "common/allocator_tuning.h"
#include "config/ranges.h"
#include "common/error.h"
#include "common/log.h"
#include "common/log_sinks.h"

int main(int argc, char** argv) {
  using namespace strata;
  tune_allocator_for_large_buffers();
  std::signal(SIGPIPE, SIG_IGN);
  cli::install_signal_cancellation();
  // What the library layers log: warnings and errors as one stderr line each.
  set_default_log_sink(stderr_log_sink("strata", LogLevel::warning));
  CLI::App app{"Strata: encrypted, deduplicated backup and disaster recovery", "strata"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("strata ") + STRATA_VERSION);
  cli::GlobalOptions g;
  app.option_defaults()->always_capture_default();
  app.add_option("-r,--repo", g.repo, "repository location (env STRATA_REPOSITORY)");
  app.add_option("--password-file", g.password_file, "file holding the passphrase (env STRATA_PASSWORD_FILE)");
  app.add_option("--key-file", g.key_file, "Strata key file (env STRATA_KEY_FILE)");
  app.add_flag("-q,--quiet", g.quiet, "no progress output");
  app.add_flag("--json", g.json, "machine-readable output");
  cli::add_whole_option(app, "--threads", g.threads, config::kThreads, "worker threads (default: cores; env STRATA_THREADS)");
  app.add_option("--config", g.config, "strata.yaml to read settings from (env STRATA_CONFIG; docs/config.md)");
  app.add_flag("--no-cache", g.no_cache, "remote repositories: do not use the local metadata cache");
  app.add_option("--cache-dir", g.cache_dir,
                 "metadata cache root (env STRATA_CACHE_DIR; default $XDG_CACHE_HOME/strata or ~/.cache/strata)");
  app.add_flag("--no-lock", g.no_lock, "commands that only read: take no lock (refused by commands that write)");
  app.fallthrough();

  int exit_code = 0;
  cli::register_init(app, g, exit_code);
  cli::register_copy(app, g, exit_code);
  cli::register_repo(app, g, exit_code);
  cli::register_tier(app, g, exit_code);
  cli::register_backup(app, g, exit_code);
  cli::register_snapshots(app, g, exit_code);
  cli::register_ls(app, g, exit_code);
  cli::register_restore(app, g, exit_code);
  cli::register_dump(app, g, exit_code);
  cli::register_diff(app, g, exit_code);
  cli::register_check(app, g, exit_code);
  cli::register_forget(app, g, exit_code);
  cli::register_prune(app, g, exit_code);
  cli::register_repair(app, g, exit_code);
  cli::register_stats(app, g, exit_code);
  cli::register_unlock(app, g, exit_code);
  cli::register_key(app, g, exit_code);
  cli::register_pg(app, g, exit_code);
  // Runs once the command line is parsed, before the command's own callback.
  app.parse_complete_callback([&app, &g] { cli::refuse_no_lock_for_writers(app, g); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, like every other error ("strata <command> --help" lists the options).
    std::fflush(stdout);
    std::fprintf(stderr, "strata: error: %s\n", e.what());
    return static_cast<int>(ExitCode::usage);
  } catch (const Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "strata: error: %s\n", e.what());
    std::string hint = e.hint();
    if (hint.empty() && e.code() == ExitCode::interrupted)
      hint = "nothing half-written is visible in the repository; 'strata prune' removes what was left unused";
    if (!hint.empty()) std::fprintf(stderr, "strata: hint: %s\n", hint.c_str());
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "strata: error: out of memory\n");
    return static_cast<int>(ExitCode::failure);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strata: error: %s\n", e.what());
    return static_cast<int>(ExitCode::failure);
  }
  return exit_code;
}
