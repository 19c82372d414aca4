// Copying snapshots between repositories (see copy.h).
#include "app/copy.h"

#include "common/error.h"
#include "repo/lock.h"

namespace strata::app {
namespace {

std::vector<repo::Snapshot> chosen_snapshots(const CopyRequest& request, const repo::SnapshotList& all) {
  std::vector<repo::Snapshot> chosen;
  if (!request.all) {
    for (const auto& ref : request.snapshots) chosen.push_back(repo::resolve_snapshot(all, ref));
    return chosen;
  }
  for (const auto& s : all.readable)
    if ((request.dataset.empty() || s.dataset == request.dataset) && (request.host.empty() || s.host == request.host))
      chosen.push_back(s);
  return chosen;
}

}  // namespace

repo::CopyReport copy(const CopyRequest& request, Job& job) {
  if (request.all == !request.snapshots.empty())
    throw Error(ExitCode::usage, "name the snapshots to copy or give --all (not both)");
  if (request.to.location.empty())
    throw Error(ExitCode::usage, "no destination: use --to or --repo / STRATA_REPOSITORY");
  auto src = open_repository(request.from, job);
  auto dst = open_repository(request.to, job);
  if (src->config().id == dst->config().id)
    throw Error(ExitCode::usage, "--from and --to are the same repository (id " + src->config().id.substr(0, 8) + ")");
  auto src_lock = lock_for_reading(request.from, *src, "copy (source)", job);
  auto dst_lock = repo::RepoLock::acquire(*dst, false, "copy", 0, job.cancel);
  src->load_index();
  dst->load_index();
  repo::CopyOptions options;
  options.threads = job.threads ? job.threads : 4;
  options.log = request.log;
  options.cancel = job.cancel;
  return repo::copy_snapshots(*src, *dst, chosen_snapshots(request, load_snapshot_list_logged(*src)), options);
}

}  // namespace strata::app
