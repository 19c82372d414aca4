// Backing up paths or a stream into a new snapshot (see backup.h).
#include "app/backup.h"

#include <algorithm>
#include <memory>

#include "common/host_identity.h"
#include "repo/lock.h"
#include "source/fs_scan.h"

namespace strata::app {
namespace {

void validate(const BackupRequest& r) {
  const bool stream = r.stream_fd >= 0;
  if (stream && !r.paths.empty()) throw Error(ExitCode::usage, "--stdin takes no paths");
  if (!stream && r.paths.empty())
    throw Error(ExitCode::usage, "nothing to back up: give at least one path (or --stdin)");
  if (r.dataset.empty()) throw Error(ExitCode::usage, "--dataset must not be empty");
}

// The most recent snapshot of the same host, dataset and paths.
const repo::Snapshot* latest_of_same_source(const std::vector<repo::Snapshot>& snaps, const std::string& host,
                                            const std::string& dataset, std::vector<std::string> paths) {
  std::sort(paths.begin(), paths.end());
  for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
    auto p = it->paths;
    std::sort(p.begin(), p.end());
    if (it->host == host && it->dataset == dataset && p == paths) return &*it;
  }
  return nullptr;
}

source::BackupOptions backup_options(const BackupRequest& r, const Job& job) {
  source::BackupOptions opts;
  opts.paths = r.paths;
  opts.excludes = r.excludes;
  opts.one_file_system = r.one_file_system;
  opts.force = r.force;
  opts.tags = r.tags;
  opts.dataset = r.dataset;
  opts.host = r.host.empty() ? local_hostname() : r.host;
  opts.threads = job.threads;
  opts.cancel = job.cancel;
  opts.clock = job.clock;
  return opts;
}

std::string stream_name(const BackupRequest& r) { return r.stream_name.empty() ? "stdin" : r.stream_name; }

std::vector<std::string> absolute_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> abs;
  for (const auto& p : paths) abs.push_back(source::canonical_source_path(p));
  return abs;
}

}  // namespace

BackupOutcome backup(const BackupRequest& request, Job& job) {
  validate(request);
  auto repo = open_repository(request.access, job);
  auto lock = repo::RepoLock::acquire(*repo, false, "backup", 0, job.cancel);
  repo->load_index();
  auto snaps = load_snapshots_logged(*repo);
  source::BackupOptions opts = backup_options(request, job);
  opts.before_commit = [&lock, &request](repo::Snapshot& s) {
    lock->check_held();
    if (request.recorded_time_ns) s.time_ns = *request.recorded_time_ns;
  };
  const bool stream = request.stream_fd >= 0;
  const auto abs = stream ? std::vector<std::string>{} : absolute_paths(request.paths);
  if (!request.parent.empty()) opts.parent = &repo::find_snapshot(snaps, request.parent);
  else if (!stream) opts.parent = latest_of_same_source(snaps, opts.host, opts.dataset, abs);
  std::unique_ptr<source::TreeScanner> scanner;
  if (request.count_totals && !stream)
    scanner = std::make_unique<source::TreeScanner>(abs, request.excludes, request.one_file_system, job.progress);
  BackupOutcome out;
  out.result = stream ? source::backup_stream(*repo, request.stream_fd, stream_name(request), opts, job.progress)
                      : source::backup_paths(*repo, opts, job.progress);
  return out;
}

}  // namespace strata::app
