// Stanza option resolution for `strata pg` commands (see pg_context.h).
#include "cli/number_option.h"
#include "cli/pg_context.h"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "common/error.h"
#include "config/ranges.h"
#include "repo/record_store.h"

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
  cmd.add_option("--pgdata", a.pgdata, "data directory of the cluster");
  cmd.add_option("--pghost", a.pghost, "server host or socket directory");
  add_whole_option(cmd, "--pgport", a.pgport, config::kPort, "server port");
  cmd.add_option("--pguser", a.pguser, "user to connect as");
  cmd.add_option("--standby-host", a.standby_host, "standby host or socket directory (for --from-standby)");
  add_whole_option(cmd, "--standby-port", a.standby_port, config::kPort, "standby port");
  cmd.add_option("--standby-pgdata", a.standby_pgdata, "data directory of the standby (on this host)");
  cmd.add_flag("--async", a.async, "wal-push/wal-get: work through the spool with a background worker");
  cmd.add_option("--spool", a.spool, "spool directory for --async (local, on a durable file system)");
  add_whole_option(cmd, "--archive-timeout", a.archive_timeout, config::kTimeoutSeconds,
                   "seconds to wait for WAL to reach the repository (default 60)");
}

source::postgres::StanzaSettings resolve_stanza(GlobalOptions& g, PgArgs& a) {
  apply_environment(g);
  if (a.stanza.empty()) a.stanza = env("STRATA_STANZA");
  if (a.stanza.empty()) throw Error(ExitCode::usage, "no stanza given: use --stanza NAME or STRATA_STANZA");
  source::postgres::check_stanza_name(a.stanza);
  source::postgres::StanzaSettings st;
  st.name = a.stanza;
  if (!g.file->path.empty()) {
    const config::ConfigFile& cfg = *g.file;
    a.config_used = cfg.path;
    a.replicas = cfg.replicas;
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
  if (a.async) st.async = true;
  if (!a.spool.empty()) st.spool = absolute(a.spool);
  if (st.async && st.spool.empty())
    throw Error(ExitCode::usage, "asynchronous archiving needs a spool directory: --spool DIR (or spool: in strata.yaml)");
  // libpq's own PGHOST/PGPORT/PGUSER apply when nothing else is set.
  return st;
}

OpenedStanza open_stanza(const GlobalOptions& g, const std::string& stanza) {
  OpenedStanza out;
  out.repo = open_repository(g);
  repo::RecordStore records(*out.repo);
  out.stanza = source::postgres::load_stanza(records, stanza, out.repo->backend().location());
  return out;
}

std::vector<WalTarget> wal_targets(const GlobalOptions& g, const PgArgs& a,
                                   const source::postgres::StanzaSettings& st) {
  std::vector<WalTarget> out{{"main", g}};
  for (const auto& name : st.archive_to) {
    const config::ReplicaSettings* rep = nullptr;
    for (const auto& r : a.replicas)
      if (r.name == name) rep = &r;
    if (!rep) throw Error(ExitCode::usage, "stanza " + st.name + ": archive_to names unknown replica '" + name + "'");
    out.push_back({name, with_repository(g, rep->repository, rep->key_file, rep->password_file)});
  }
  return out;
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
  if (a.async && !a.spool.empty()) cmd += " --async --spool " + shell_quote(absolute(a.spool));
  return cmd + " %f \"%p\"";
}

extern "C" char** environ;

void spawn_worker(const GlobalOptions& g, const PgArgs& a, const std::string& worker,
                  const std::vector<std::string>& extra, const std::string& log) {
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) throw io_error("finding the strata executable", errno);
  std::vector<std::string> args = {std::string(exe, static_cast<size_t>(n)), "pg", worker, "--stanza", a.stanza,
                                   "--quiet"};
  if (!a.config_used.empty()) args.insert(args.end(), {"--config", a.config_used});
  if (!g.repo.empty()) args.insert(args.end(), {"--repo", g.repo});
  if (!g.key_file.empty()) args.insert(args.end(), {"--key-file", absolute(g.key_file)});
  else if (!g.password_file.empty()) args.insert(args.end(), {"--password-file", absolute(g.password_file)});
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &files, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw io_error("starting the background " + worker, rc);
}

}  // namespace strata::cli
