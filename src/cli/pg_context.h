// What every `strata pg` command shares: the stanza options (--stanza, --pgdata,
// --pghost, --pgport, --pguser), their resolution from flags, STRATA_* variables
// and strata.yaml (--config; in that order of precedence), and the command line
// that PostgreSQL's restore_command must run to reach the same repository.
#pragma once
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/context.h"
#include "source/postgres/stanza.h"

namespace strata::cli {

struct PgArgs {
  std::string stanza, pgdata, pghost, pguser;
  int pgport = 0;
  std::string standby_host, standby_pgdata;
  int standby_port = 0;
  int archive_timeout = 0;
  bool async = false;
  std::string spool;
  std::string config_used;  // absolute path of the config file read, if any
  std::vector<config::ReplicaSettings> replicas;  // replicas: of the config file
};

// Adds the stanza options to a `pg` subcommand.
void add_pg_options(CLI::App& cmd, PgArgs& a);

// Resolves the stanza settings and fills the repository/secret of `g` from the
// config file where flags and environment left them empty.
source::postgres::StanzaSettings resolve_stanza(GlobalOptions& g, PgArgs& a);

// The repository and the stanza's record in it (Error(not_found) telling how to
// create the stanza when it is missing).
struct OpenedStanza {
  std::unique_ptr<repo::Repository> repo;
  source::postgres::StanzaRecord stanza;
};
OpenedStanza open_stanza(const GlobalOptions& g, const std::string& stanza);

// The repositories a WAL segment is pushed to: the main one (`g`) first, then
// the stanza's archive_to replicas, with their names; and how many must hold it.
struct WalTarget {
  std::string name;
  GlobalOptions options;
};
std::vector<WalTarget> wal_targets(const GlobalOptions& g, const PgArgs& a,
                                   const source::postgres::StanzaSettings& st);

// "'/usr/bin/strata' pg wal-get --stanza main --repo '/srv/r' --password-file '/etc/p' %f \"%p\"":
// the restore_command of a cluster restored from this repository. Error(usage)
// when the secret is only in STRATA_PASSWORD (the server could not repeat it).
std::string wal_get_command(const GlobalOptions& g, const PgArgs& a, const std::string& stanza);

// Starts `strata pg <worker> --stanza S <repo and secret> <extra...>` detached
// (own session, stdin /dev/null, output appended to `log`); does not wait.
void spawn_worker(const GlobalOptions& g, const PgArgs& a, const std::string& worker,
                  const std::vector<std::string>& extra, const std::string& log);

}  // namespace strata::cli
