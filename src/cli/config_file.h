// strata.yaml, the daemon's configuration file, as far as the CLI reads it: the
// repository and its secret, and the `postgres:` section with one entry per
// stanza. Flags and STRATA_* environment variables override what it says.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/lifecycle.h"
#include "source/postgres/stanza.h"

namespace strata::cli {

// A repository kept in step with the main one (`replicas:`): `strata replicate`
// copies into it, `strata repo status` reports how far behind it is.
struct ReplicaSettings {
  std::string name;
  std::string repository, password_file, key_file;  // secret defaults to the top level's
};

struct ConfigFile {
  std::string path;  // absolute
  std::string repository, password_file, key_file;
  std::map<std::string, source::postgres::StanzaSettings> stanzas;
  std::vector<ReplicaSettings> replicas;
  policy::Lifecycle lifecycle;  // lifecycle: (defaults when absent)
};

// Parses the file; Error(usage) naming the file and the key for anything malformed
// or unknown (a misspelt key must not be silently ignored), Error(io) if unreadable.
ConfigFile load_config_file(const std::string& path);

}  // namespace strata::cli
