// The PostgreSQL WAL archive as use cases: recording a cluster as a stanza,
// archiving a segment (to one repository, or to several with a quorum), fetching
// one back, the background pusher and fetcher of asynchronous archiving, and the
// end-to-end archive check. PostgreSQL's archive_command and restore_command reach
// them through the CLI; the daemon and failover call them directly.
#pragma once
#include <string>
#include <vector>

#include "app/repository_access.h"
#include "config/config_file.h"
#include "source/postgres/archive_check.h"
#include "source/postgres/async_archive.h"
#include "source/postgres/stanza.h"

namespace strata::app {

// Where a stanza's WAL goes: the main repository and the configured replicas
// that its archive_to may name.
struct WalDestination {
  RepositoryAccess main;
  source::postgres::StanzaSettings stanza;
  std::vector<config::ReplicaSettings> replicas;
};

// The job's clock and cancellation, for the spool's waits and background workers.
inline source::postgres::SpoolJob spool_job(const Job& job) { return {job.clock, job.cancel}; }

struct StanzaCreated {
  source::postgres::StanzaRecord cluster;  // as the running server describes itself
  bool created = false;                    // false: every repository already had it
};

// Connects to the primary and records the stanza in the main repository and every
// archive_to replica. Error(conflict) when a repository records another cluster.
StanzaCreated create_stanza(const WalDestination& where, Job& job);

struct WalPushed {
  size_t repositories = 1;  // how many repositories hold the file now
  size_t quorum = 1;
  bool stored = false;  // single repository: false when an identical copy was already there
};

// Archives the WAL file at `path`; durable on return. With archive_to, returns
// once the stanza's quorum holds it (see WalQuorum). Error(conflict) when different
// content is already archived under the name.
WalPushed push_wal(const WalDestination& where, const std::string& path, Job& job);

// The background pusher of asynchronous archiving: pushes what PostgreSQL marked
// ready in `pg_wal`, `parallel` at a time, acknowledging each in the spool only
// once durable (with archive_to: once the quorum holds it). A failure to open the
// repository is reported to the waiting wal-push of `for_segment`.
void run_wal_pusher(const WalDestination& where, const std::string& pg_wal, unsigned parallel,
                    const std::string& for_segment, Job& job);

// Writes archived WAL file `name` to `dest` (renamed into place). Error(not_found)
// when the archive does not hold it.
void fetch_wal(const RepositoryAccess& access, const std::string& stanza, const std::string& name,
               const std::string& dest, Job& job);

// The background fetcher of asynchronous restore: keeps the next `ahead` segments
// in the spool of `stanza`.
void run_wal_fetcher(const RepositoryAccess& access, const source::postgres::StanzaSettings& stanza, unsigned ahead,
                     Job& job);

// Switches WAL on the primary and waits until that segment is in the repository.
source::postgres::ArchiveCheckResult check_wal_archiving(const RepositoryAccess& access,
                                                         const source::postgres::StanzaSettings& stanza, Job& job);

}  // namespace strata::app
