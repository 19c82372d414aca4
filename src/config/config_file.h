// strata.yaml read into typed settings: the repository and its secret, replicas,
// the lifecycle (tiers, prices) and the PostgreSQL stanzas. The file is checked
// against the schema (schema.h) before anything is taken from it: an unknown key,
// a wrong type or a value outside its range is one Error(usage) naming the file,
// the line and the key. Flags and STRATA_* variables override what it says
// (apply_file_defaults).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "policy/lifecycle.h"
#include "source/postgres/stanza.h"

namespace strata::config {

// A repository kept in step with the main one (`replicas:`).
struct ReplicaSettings {
  std::string name;
  std::string repository, password_file, key_file;  // secret defaults to the top level's
};

struct ConfigFile {
  std::string path;  // absolute; empty when no file was given
  std::string repository, password_file, key_file;
  std::map<std::string, source::postgres::StanzaSettings> stanzas;
  std::vector<ReplicaSettings> replicas;
  policy::Lifecycle lifecycle;  // lifecycle: (defaults when absent)
};

// Parses and checks the file; Error(usage) "FILE:LINE: KEY: what" for anything
// malformed or unknown (a misspelt key is never silently ignored), Error(io) if it
// cannot be read.
ConfigFile load_config_file(const std::string& path);

// Where a repository and its secret come from: flags, then STRATA_* variables
// (the caller has merged those two), then the file.
struct RepositorySettings {
  std::string repository, password_file, key_file;
};

// Fills what flags and environment left unset from the file: the repository, and
// the secret only when neither a key file nor a passphrase file was given (a secret
// given by flag or environment replaces both of the file's).
void apply_file_defaults(RepositorySettings& settings, const ConfigFile& file);

}  // namespace strata::config
