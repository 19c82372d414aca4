// The WAL archive use cases (see pg_wal.h).
#include "app/pg_wal.h"

#include "app/pg_stanza.h"
#include "app/wal_quorum.h"
#include "common/error.h"
#include "repo/record_store.h"
#include "common/atomic_file.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/wal_archive.h"

namespace strata::app {

namespace pg = source::postgres;

StanzaCreated create_stanza(const WalDestination& where, Job& job) {
  pg::PgConnection conn(where.stanza.primary);
  StanzaCreated out;
  out.cluster = pg::describe_cluster(conn, where.stanza.name);
  out.cluster.created_ns = job.now_ns();
  for (const auto& target : wal_targets(where.main, where.stanza, where.replicas)) {
    auto repo = open_repository(target.access, job);
    repo::RecordStore records(*repo);
    out.created = pg::create_stanza(records, out.cluster) || out.created;
  }
  return out;
}

WalPushed push_wal(const WalDestination& where, const std::string& path, Job& job) {
  auto targets = wal_targets(where.main, where.stanza, where.replicas);
  WalPushed out;
  if (targets.size() == 1) {
    auto [repo, stanza] = open_stanza(where.main, where.stanza.name, job);
    out.stored = pg::WalArchive(*repo, stanza, where.stanza.wal_compression_level).push(path);
    return out;
  }
  WalQuorum quorum(where.stanza, std::move(targets), job);
  out.repositories = quorum.push(path);
  out.quorum = quorum.quorum();
  out.stored = true;
  return out;
}

void run_wal_pusher(const WalDestination& where, const std::string& pg_wal, unsigned parallel,
                    const std::string& for_segment, Job& job) {
  const pg::SpoolDirs spool{where.stanza.spool};
  auto targets = wal_targets(where.main, where.stanza, where.replicas);
  if (targets.size() > 1) {
    WalQuorum quorum(where.stanza, std::move(targets), job);
    pg::run_async_pusher([&](const std::string& path) { quorum.push(path); }, spool, pg_wal, parallel,
                         spool_job(job));
    return;
  }
  OpenedStanza opened;
  try {
    opened = open_stanza(where.main, where.stanza.name, job);
  } catch (const Error& e) {
    // Tell the waiting wal-push why, instead of letting it time out.
    pg::report_async_push_failure(spool, for_segment, e);
    throw;
  }
  pg::WalArchive archive(*opened.repo, opened.stanza, where.stanza.wal_compression_level);
  pg::run_async_pusher([&](const std::string& path) { archive.push(path); }, spool, pg_wal, parallel,
                       spool_job(job));
}

void fetch_wal(const RepositoryAccess& access, const std::string& stanza_name, const std::string& name,
               const std::string& dest, Job& job) {
  auto [repo, stanza] = open_stanza(access, stanza_name, job);
  auto data = pg::WalArchive(*repo, stanza).get(name);
  if (!data) throw Error(ExitCode::not_found, "WAL file " + name + " is not in the archive of stanza " + stanza_name);
  // PostgreSQL reads it once right away; a crash makes it ask again.
  posix::replace_file(dest, *data, posix::Durability::rename_only);
}

void run_wal_fetcher(const RepositoryAccess& access, const pg::StanzaSettings& stanza, unsigned ahead, Job& job) {
  auto [repo, record] = open_stanza(access, stanza.name, job);
  pg::run_async_fetcher(*repo, record, pg::SpoolDirs{stanza.spool}, ahead, spool_job(job));
}

pg::ArchiveCheckResult check_wal_archiving(const RepositoryAccess& access, const pg::StanzaSettings& stanza,
                                           Job& job) {
  auto repo = open_repository(access, job);
  return pg::check_archive(*repo, stanza, job.cancel, *job.clock);
}

}  // namespace strata::app
