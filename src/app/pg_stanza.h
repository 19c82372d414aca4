// What every PostgreSQL use case shares: the repository with the stanza's record
// in it, and the repositories a WAL segment is archived to (the main one, then
// the stanza's archive_to replicas).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "app/repository_access.h"
#include "config/config_file.h"
#include "source/postgres/stanza.h"

namespace strata::app {

struct OpenedStanza {
  std::unique_ptr<repo::Repository> repo;
  source::postgres::StanzaRecord stanza;
};

// Error(not_found) telling how to create the stanza when it is missing.
OpenedStanza open_stanza(const RepositoryAccess& access, const std::string& stanza, const Job& job);

struct WalTarget {
  std::string name;  // "main" or the replica's name
  RepositoryAccess access;
};

// The main repository first, then each archive_to replica of `st` (looked up in
// `replicas`); Error(usage) for a name that is not there.
std::vector<WalTarget> wal_targets(const RepositoryAccess& main, const source::postgres::StanzaSettings& st,
                                   const std::vector<config::ReplicaSettings>& replicas);

}  // namespace strata::app
