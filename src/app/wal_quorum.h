// WAL archived to several repositories at once (a stanza's archive_to replicas
// next to the main repository, like pgBackRest's repo1/repo2): a segment counts
// as archived only when the stanza's quorum of repositories holds it, durably.
// Used by `wal-push` and by the background pusher of `wal-push --async`.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/pg_stanza.h"
#include "source/postgres/stanza.h"
#include "source/postgres/wal_archive.h"

namespace strata::app {

class WalQuorum {
 public:
  // `job` must outlive the quorum (its repositories keep its clock).
  WalQuorum(const source::postgres::StanzaSettings& st, std::vector<WalTarget> targets, const Job& job);

  // Stores the WAL file at `path` in every repository in parallel. Returns the
  // number holding it when that is at least the quorum (a logged warning
  // names the ones that missed it: `strata replicate` fills them later).
  // Error(conflict) when any repository holds different content under the name
  // (never outvoted); otherwise, below the quorum, the error code of a failure
  // and a message naming held/quorum and each repository's failure.
  // Thread-safe: several segments may be pushed at once. A repository that
  // could not be opened is tried again on the next push.
  size_t push(const std::string& path);

  size_t quorum() const { return quorum_; }
  size_t size() const { return targets_.size(); }

 private:
  struct Target {
    WalTarget where;
    std::mutex open_mu;
    std::unique_ptr<repo::Repository> repo;  // opened on first use
    source::postgres::StanzaRecord stanza;
  };
  void push_to(Target& t, const std::string& path);

  const Job& job_;
  std::string stanza_name_;
  int level_;
  size_t quorum_;
  std::vector<std::unique_ptr<Target>> targets_;
};

}  // namespace strata::app
