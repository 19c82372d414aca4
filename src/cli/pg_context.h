// What every `strata pg` command shares: the stanza options (--stanza, --pgdata,
// --pghost, --pgport, --pguser), their resolution from flags, STRATA_* variables
// and strata.yaml (--config; in that order of precedence), and the command line
// that PostgreSQL's restore_command must run to reach the same repository.
#pragma once
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/context.h"
#include "app/pg_stanza.h"
#include "config/stanza_flags.h"
#include "source/postgres/stanza.h"

namespace strata::cli {

// The stanza flags of a pg command (resolved by config::resolve_stanza).
using PgArgs = config::StanzaFlags;

// Adds the stanza options to a `pg` subcommand.
void add_pg_options(CLI::App& cmd, PgArgs& a);

// Reads the environment (STRATA_STANZA and what apply_environment reads), then
// resolves the stanza settings from strata.yaml and the flags.
source::postgres::StanzaSettings resolve_stanza(GlobalOptions& g, PgArgs& a);

// app::open_stanza and app::wal_targets for the repository of `g`.
app::OpenedStanza open_stanza(const GlobalOptions& g, const std::string& stanza);
std::vector<app::WalTarget> wal_targets(const GlobalOptions& g, const source::postgres::StanzaSettings& st);

// "'/usr/bin/strata' pg wal-get --stanza main --repo '/srv/r' --password-file '/etc/p' %f \"%p\"":
// the restore_command of a cluster restored from this repository. Error(usage)
// when the secret is only in STRATA_PASSWORD (the server could not repeat it).
std::string wal_get_command(const GlobalOptions& g, const PgArgs& a, const std::string& stanza);

// Starts `strata pg <worker> --stanza S <repo and secret> <extra...>` detached
// (own session, stdin /dev/null, output appended to `log`); does not wait.
void spawn_worker(const GlobalOptions& g, const PgArgs& a, const std::string& worker,
                  const std::vector<std::string>& extra, const std::string& log);

}  // namespace strata::cli
