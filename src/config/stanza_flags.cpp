// Stanza settings: file, then flags (see stanza_flags.h).
#include "config/stanza_flags.h"

#include <filesystem>

#include "common/error.h"

namespace strata::config {
namespace {

namespace pg = source::postgres;

std::string absolute(const std::string& p) { return std::filesystem::absolute(p).lexically_normal().string(); }

pg::StanzaSettings from_file(const StanzaFlags& flags, const ConfigFile& file) {
  pg::StanzaSettings st;
  st.name = flags.stanza;
  if (file.path.empty()) return st;
  auto it = file.stanzas.find(flags.stanza);
  if (it != file.stanzas.end()) return it->second;
  if (flags.pgdata.empty())
    throw Error(ExitCode::usage, file.path + " has no postgres.stanzas." + flags.stanza + " section");
  return st;
}

void apply_standby_flags(const StanzaFlags& flags, pg::StanzaSettings& st) {
  if (!flags.standby_host.empty() || flags.standby_port) {
    if (!st.standby) {
      st.standby = pg::ConnectionSettings{};
      st.standby->user = st.primary.user;
    }
    if (!flags.standby_host.empty()) st.standby->host = flags.standby_host;
    if (flags.standby_port) st.standby->port = flags.standby_port;
  }
  if (!flags.standby_pgdata.empty()) st.standby_pgdata = absolute(flags.standby_pgdata);
}

}  // namespace

pg::StanzaSettings resolve_stanza(const StanzaFlags& flags, const ConfigFile& file) {
  if (flags.stanza.empty()) throw Error(ExitCode::usage, "no stanza given: use --stanza NAME or STRATA_STANZA");
  pg::check_stanza_name(flags.stanza);
  pg::StanzaSettings st = from_file(flags, file);
  if (!flags.pgdata.empty()) st.pgdata = absolute(flags.pgdata);
  if (!flags.pghost.empty()) st.primary.host = flags.pghost;
  if (flags.pgport) st.primary.port = flags.pgport;
  if (!flags.pguser.empty()) st.primary.user = flags.pguser;
  apply_standby_flags(flags, st);
  if (flags.archive_timeout > 0) st.archive_timeout_seconds = flags.archive_timeout;
  if (flags.async) st.async = true;
  if (!flags.spool.empty()) st.spool = absolute(flags.spool);
  if (st.async && st.spool.empty())
    throw Error(ExitCode::usage,
                "asynchronous archiving needs a spool directory: --spool DIR (or spool: in strata.yaml)");
  // libpq's own PGHOST/PGPORT/PGUSER apply when nothing else is set.
  return st;
}

}  // namespace strata::config
