// The stanza settings of a `pg` command: the stanza's section of strata.yaml with
// the command-line flags laid over it (flags win; STRATA_STANZA is read by the
// caller). One merge, used by the CLI and, through app/, by the daemon.
#pragma once
#include <string>

#include "config/config_file.h"
#include "source/postgres/stanza.h"

namespace strata::config {

// What the flags of a pg command say; empty or 0 means "not given".
struct StanzaFlags {
  std::string stanza, pgdata, pghost, pguser;
  int pgport = 0;
  std::string standby_host, standby_pgdata;
  int standby_port = 0;
  int archive_timeout = 0;
  bool async = false;
  std::string spool;
};

// The stanza `flags.stanza` (checked: Error(usage) when empty or malformed) from
// `file` (no file: defaults), overridden by the flags; paths made absolute.
// Error(usage) when a file is given without that stanza and no --pgdata, or when
// asynchronous archiving has no spool directory.
source::postgres::StanzaSettings resolve_stanza(const StanzaFlags& flags, const ConfigFile& file);

}  // namespace strata::config
