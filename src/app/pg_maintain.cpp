// Stanza retention, verification and table restores (see pg_maintain.h).
#include "app/pg_maintain.h"

#include "app/pg_stanza.h"
#include "repo/lock.h"
#include "source/postgres/wal_archive.h"

namespace strata::app {

namespace pg = source::postgres;

namespace {

pg::ExpirePolicy effective_policy(const PgExpireRequest& r) {
  pg::ExpirePolicy p = r.policy;
  if (!p.keep_full) p.keep_full = r.stanza.retention_full;
  if (!p.keep_diff) p.keep_diff = r.stanza.retention_diff;
  if (!p.pitr_window_ns) p.pitr_window_ns = r.stanza.pitr_window_ns;
  return p;
}

void remove_expired_backups(repo::Repository& repo, repo::RepoLock& lock, const pg::ExpirePlan& plan, bool dry_run,
                            PgExpireOutcome& out, const Job& job) {
  for (const auto& d : plan.backups) {
    out.backups.push_back({*d.backup, d.keep, d.why});
    if (d.keep) continue;
    ++out.backups_removed;
    if (dry_run) continue;
    job.cancel.throw_if_cancelled();
    lock.check_held();
    repo.backend().remove(repo::Repository::object_name(repo::ObjectKind::snapshot, d.backup->snapshot.id));
  }
}

}  // namespace

PgExpireOutcome expire_postgres(const PgExpireRequest& request, Job& job) {
  auto [repo, stanza] = open_stanza(request.access, request.stanza.name, job);
  auto lock = repo::RepoLock::acquire(*repo, !request.dry_run, "pg expire");
  auto backups = pg::list_backups(load_snapshots_logged(*repo), request.stanza.name);
  pg::WalArchive archive(*repo, stanza);
  auto plan = pg::plan_expire(backups, archive.list(), effective_policy(request), job.now_ns(),
                              stanza.wal_segment_size);
  PgExpireOutcome out;
  remove_expired_backups(*repo, *lock, plan, request.dry_run, out, job);
  for (const auto& f : plan.wal_remove) {
    out.wal_bytes_removed += f.stored_size;
    if (!request.dry_run) archive.remove(f);
  }
  out.wal_files_removed = plan.wal_remove.size();
  out.wal_kept_from = plan.wal_kept_from;
  if (!request.dry_run && request.prune && out.backups_removed > 0) {
    repo->load_index();
    out.prune = repo::prune_repository(*repo, repo::PruneOptions{}, job.progress);
  }
  return out;
}

pg::VerifyReport verify_postgres(const RepositoryAccess& access, const std::string& stanza_name, bool read_data,
                                 Job& job) {
  auto [repo, stanza] = open_stanza(access, stanza_name, job);
  auto lock = lock_for_reading(access, *repo, "pg verify", job);
  repo->load_index();
  auto snaps = load_snapshots_logged(*repo);
  return pg::verify_stanza(*repo, snaps, stanza, read_data, job.threads, job.progress);
}

pg::TableRestoreResult restore_table(const RepositoryAccess& access, const pg::TableRestoreOptions& options, Job& job,
                                     const pg::StepNote& note) {
  auto repo = open_repository(access, job);
  auto lock = lock_for_reading(access, *repo, "pg restore-table", job);
  repo->load_index();
  auto snaps = load_snapshots_logged(*repo);
  pg::TableRestoreOptions opts = options;
  opts.restore.threads = job.threads;
  opts.restore.cancel = job.cancel;
  opts.clock = job.clock;
  return pg::run_table_restore(*repo, snaps, opts, job.progress, note);
}

}  // namespace strata::app
