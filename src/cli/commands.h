// Registration of every subcommand on the CLI11 application. Each command lives in
// its own cmd_*.cpp file; it parses its options into a struct and runs through the
// library layers, throwing strata::Error on failure.
#pragma once
#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace strata::cli {

// Each register_* adds a subcommand whose callback sets `exit_code`.
void register_init(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_backup(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_snapshots(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_ls(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_restore(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_dump(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_diff(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_check(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_forget(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_prune(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_repair(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_stats(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_unlock(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_key(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_copy(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_repo(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_tier(CLI::App& app, GlobalOptions& g, int& exit_code);
void register_pg(CLI::App& app, GlobalOptions& g, int& exit_code);
// The `pg` group's subcommands that live in their own files.
void register_pg_backup(CLI::App& group, GlobalOptions& g, int& exit_code);
void register_pg_restore(CLI::App& group, GlobalOptions& g, int& exit_code);
void register_pg_info(CLI::App& group, GlobalOptions& g, int& exit_code);
void register_pg_restore_table(CLI::App& group, GlobalOptions& g, int& exit_code);
void register_pg_expire(CLI::App& group, GlobalOptions& g, int& exit_code);
void register_pg_verify(CLI::App& group, GlobalOptions& g, int& exit_code);

}  // namespace strata::cli
