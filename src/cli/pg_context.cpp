// Stanza option resolution for `strata pg` commands (see pg_context.h).
#include "cli/number_option.h"
#include "cli/pg_context.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "common/error.h"
#include "common/posix_io.h"
#include "common/process.h"
#include "config/ranges.h"

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
  return config::resolve_stanza(a, *g.file);
}

app::OpenedStanza open_stanza(const GlobalOptions& g, const std::string& stanza) {
  return app::open_stanza(repository_access(g), stanza, job(g));
}

std::vector<app::WalTarget> wal_targets(const GlobalOptions& g, const source::postgres::StanzaSettings& st) {
  return app::wal_targets(repository_access(g), st, g.file->replicas);
}

std::string wal_get_command(const GlobalOptions& g, const PgArgs& a, const std::string& stanza) {
  std::string self = "strata";
  try {
    self = posix::self_executable();
  } catch (const Error&) {
    // without /proc the restored server finds strata in its PATH
  }
  std::string cmd = shell_quote(self) + " pg wal-get --stanza " + stanza;
  if (!g.file->path.empty()) cmd += " --config " + shell_quote(g.file->path);
  cmd += " --repo " + shell_quote(g.repo.find(':') == std::string::npos ? absolute(g.repo) : g.repo);
  if (!g.key_file.empty()) cmd += " --key-file " + shell_quote(absolute(g.key_file));
  else if (!g.password_file.empty()) cmd += " --password-file " + shell_quote(absolute(g.password_file));
  else
    throw Error(ExitCode::usage, "the restored server's restore_command needs the repository secret in a file: "
                                 "give --password-file or --key-file (STRATA_PASSWORD cannot be passed on)");
  if (a.async && !a.spool.empty()) cmd += " --async --spool " + shell_quote(absolute(a.spool));
  return cmd + " %f \"%p\"";
}

void spawn_worker(const GlobalOptions& g, const PgArgs& a, const std::string& worker,
                  const std::vector<std::string>& extra, const std::string& log) {
  std::vector<std::string> args = {posix::self_executable(), "pg", worker, "--stanza", a.stanza, "--quiet"};
  if (!g.file->path.empty()) args.insert(args.end(), {"--config", g.file->path});
  if (!g.repo.empty()) args.insert(args.end(), {"--repo", g.repo});
  if (!g.key_file.empty()) args.insert(args.end(), {"--key-file", absolute(g.key_file)});
  else if (!g.password_file.empty()) args.insert(args.end(), {"--password-file", absolute(g.password_file)});
  args.insert(args.end(), extra.begin(), extra.end());
  const posix::UniqueFd log_fd(posix::open_retry(log, O_WRONLY | O_CREAT | O_APPEND, 0600));
  if (!log_fd) throw io_error("opening the log " + log + " of the background " + worker, errno);
  posix::ProcessSpec spec;
  spec.argv = std::move(args);
  spec.stdout_fd = spec.stderr_fd = log_fd.get();
  spec.new_session = true;  // outlives this wal-push and the server's signals to it
  spec.working_dir = "";    // ours: --repo and --config may be relative
  posix::start_process(spec);
}

}  // namespace strata::cli
