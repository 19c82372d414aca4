// Stanza option resolution for `strata pg` commands (see pg_context.h).
#include "cli/pg_context.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "cli/config_file.h"
#include "common/error.h"

namespace strata::cli {

namespace {
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}
std::string absolute(const std::string& p) { return std::filesystem::absolute(p).lexically_normal().string(); }
}  // namespace

void add_pg_options(CLI::App& cmd, PgArgs& a) {
  cmd.add_option("--stanza", a.stanza, "stanza name (env STRATA_STANZA)");
  cmd.add_option("--config", a.config, "strata.yaml to read the stanza from (env STRATA_CONFIG)");
  cmd.add_option("--pgdata", a.pgdata, "data directory of the cluster");
  cmd.add_option("--pghost", a.pghost, "server host or socket directory");
  cmd.add_option("--pgport", a.pgport, "server port");
  cmd.add_option("--pguser", a.pguser, "user to connect as");
  cmd.add_option("--standby-host", a.standby_host, "standby host or socket directory (for --from-standby)");
  cmd.add_option("--standby-port", a.standby_port, "standby port");
  cmd.add_option("--standby-pgdata", a.standby_pgdata, "data directory of the standby (on this host)");
  cmd.add_option("--archive-timeout", a.archive_timeout, "seconds to wait for WAL to reach the repository (default 60)");
}

source::postgres::StanzaSettings resolve_stanza(GlobalOptions& g, PgArgs& a) {
  apply_environment(g);
  if (a.stanza.empty()) a.stanza = env("STRATA_STANZA");
  if (a.config.empty()) a.config = env("STRATA_CONFIG");
  if (a.stanza.empty()) throw Error(ExitCode::usage, "no stanza given: use --stanza NAME or STRATA_STANZA");
  source::postgres::check_stanza_name(a.stanza);
  source::postgres::StanzaSettings st;
  st.name = a.stanza;
  if (!a.config.empty()) {
    ConfigFile cfg = load_config_file(a.config);
    a.config_used = cfg.path;
    if (g.repo.empty()) g.repo = cfg.repository;
    if (g.password_file.empty() && g.key_file.empty()) {
      g.password_file = cfg.password_file;
      g.key_file = cfg.key_file;
    }
    auto it = cfg.stanzas.find(a.stanza);
    if (it != cfg.stanzas.end()) st = it->second;
    else if (a.pgdata.empty())
      throw Error(ExitCode::usage, cfg.path + " has no postgres.stanzas." + a.stanza + " section");
  }
  if (!a.pgdata.empty()) st.pgdata = absolute(a.pgdata);
  if (!a.pghost.empty()) st.primary.host = a.pghost;
  if (a.pgport) st.primary.port = a.pgport;
  if (!a.pguser.empty()) st.primary.user = a.pguser;
  if (!a.standby_host.empty() || a.standby_port) {
    if (!st.standby) {
      st.standby = source::postgres::ConnectionSettings{};
      st.standby->user = st.primary.user;
    }
    if (!a.standby_host.empty()) st.standby->host = a.standby_host;
    if (a.standby_port) st.standby->port = a.standby_port;
  }
  if (!a.standby_pgdata.empty()) st.standby_pgdata = absolute(a.standby_pgdata);
  if (a.archive_timeout > 0) st.archive_timeout_seconds = a.archive_timeout;
  // libpq's own PGHOST/PGPORT/PGUSER apply when nothing else is set.
  return st;
}

std::string wal_get_command(const GlobalOptions& g, const PgArgs& a, const std::string& stanza) {
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::string self = n > 0 ? std::string(exe, static_cast<size_t>(n)) : "strata";
  std::string cmd = shell_quote(self) + " pg wal-get --stanza " + stanza;
  if (!a.config_used.empty()) cmd += " --config " + shell_quote(a.config_used);
  cmd += " --repo " + shell_quote(g.repo.find(':') == std::string::npos ? absolute(g.repo) : g.repo);
  if (!g.key_file.empty()) cmd += " --key-file " + shell_quote(absolute(g.key_file));
  else if (!g.password_file.empty()) cmd += " --password-file " + shell_quote(absolute(g.password_file));
  else
    throw Error(ExitCode::usage, "the restored server's restore_command needs the repository secret in a file: "
                                 "give --password-file or --key-file (STRATA_PASSWORD cannot be passed on)");
  return cmd + " %f \"%p\"";
}

}  // namespace strata::cli
