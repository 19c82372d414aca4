// Restoring a snapshot into a directory (see restore.h).
#include "app/restore.h"

#include "common/log.h"

namespace strata::app {
namespace {

// Refuses "/" without allow_root; warns about a target inside what the snapshot backed up.
void check_target(const RestoreRequest& request, const repo::Snapshot& snap) {
  const std::string& target = request.options.target;
  const auto risk = source::assess_restore_target(target, snap);
  if (risk.is_root && !request.allow_root)
    throw Error(ExitCode::usage,
                "--target / restores over the running system's files; add --force if that is really what you want "
                "(or restore into an empty directory and copy what you need)");
  if (!risk.inside_source.empty())
    log_warning("the target " + target + " is inside " + risk.inside_source +
                ", which this snapshot backed up: the next backup of " + risk.inside_source +
                " will contain the restored copy too (exclude it or restore elsewhere)");
}

// The repository, its read lock and the requested snapshot.
struct Reading {
  std::unique_ptr<repo::Repository> repo;
  std::unique_ptr<repo::RepoLock> lock;
  repo::Snapshot snapshot;
};

Reading open_for_reading(const RestoreRequest& request, const Job& job) {
  Reading r;
  r.repo = open_repository(request.access, job);
  r.lock = lock_for_reading(request.access, *r.repo, "restore", job);
  r.repo->load_index();
  r.snapshot = repo::resolve_snapshot(load_snapshot_list_logged(*r.repo), request.snapshot, request.latest);
  return r;
}

}  // namespace

ExitCode RestoreOutcome::code() const {
  if (!result.integrity_errors.empty()) return ExitCode::integrity;
  if (!result.not_restored.empty()) return ExitCode::partial;
  return ExitCode::ok;
}

RestoreOutcome restore(const RestoreRequest& request, Job& job) {
  if (request.options.target.empty()) throw Error(ExitCode::usage, "--target is required (or --plan)");
  auto reading = open_for_reading(request, job);
  RestoreOutcome out;
  out.snapshot = reading.snapshot;
  check_target(request, out.snapshot);
  source::RestoreOptions options = request.options;
  options.threads = job.threads;
  options.cancel = job.cancel;
  const int64_t start = job.clock->monotonic_ns();
  out.result = source::restore_snapshot(*reading.repo, out.snapshot, options, job.progress);
  out.seconds = static_cast<double>(job.clock->monotonic_ns() - start) / 1e9;
  return out;
}

RestorePlanOutcome plan_restore(const RestoreRequest& request, const policy::Lifecycle& lifecycle, Job& job) {
  auto reading = open_for_reading(request, job);
  return {reading.snapshot, plan_restore_reads(*reading.repo, reading.snapshot, lifecycle)};
}

}  // namespace strata::app
