// PostgreSQL backup and restore use cases (see pg_backup.h).
#include "app/pg_backup.h"

#include "common/host_identity.h"
#include "repo/lock.h"

namespace strata::app {

namespace pg = source::postgres;

PgBackupOutcome backup_postgres(const PgBackupRequest& request, Job& job) {
  pg::PgBackupOptions opts;
  opts.settings = request.stanza;
  opts.type = request.type;
  opts.from_standby = request.from_standby;
  opts.threads = job.threads;
  opts.host = local_hostname();
  opts.cancel = job.cancel;
  opts.clock = job.clock;
  auto repo = open_repository(request.access, job);
  auto lock = repo::RepoLock::acquire(*repo, false, "pg backup", 0, job.cancel);
  opts.check_lock = [&lock] { lock->check_held(); };
  repo->load_index();
  auto snaps = load_snapshots_logged(*repo);
  return {pg::run_pg_backup(*repo, snaps, opts, job.progress)};
}

pg::PgRestoreResult restore_postgres(const PgRestoreRequest& request, Job& job) {
  auto repo = open_repository(request.access, job);
  auto lock = lock_for_reading(request.access, *repo, "pg restore", job);
  repo->load_index();
  auto snaps = load_snapshots_logged(*repo);
  pg::PgRestoreOptions opts = request.options;
  opts.threads = job.threads;
  opts.cancel = job.cancel;
  return pg::run_pg_restore(*repo, snaps, opts, job.progress);
}

}  // namespace strata::app
