// Replica lag and replication (see replication.h).
#include "app/replication.h"

#include <algorithm>
#include <set>

#include "repo/lock.h"

namespace strata::app {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

void add_snapshot_lag(ReplicaLag& lag, const std::vector<repo::Snapshot>& main_snaps, repo::Repository& replica,
                      int64_t now_ns) {
  std::set<std::string> have;
  for (const auto& s : repo::load_snapshots(replica)) {
    have.insert(repo::original_id(s));
    lag.newest_snapshot_ns = std::max(lag.newest_snapshot_ns, s.time_ns);
  }
  lag.snapshots = have.size();
  for (const auto& s : main_snaps) {
    if (have.contains(repo::original_id(s))) continue;
    ++lag.missing_snapshots;
    lag.missing_snapshot_bytes += s.summary.bytes_stored;
    if (!lag.oldest_missing_ns || s.time_ns < lag.oldest_missing_ns) lag.oldest_missing_ns = s.time_ns;
    lag.newest_missing_ns = std::max(lag.newest_missing_ns, s.time_ns);
  }
  if (lag.missing_snapshots) lag.snapshot_lag_seconds = (now_ns - lag.oldest_missing_ns) / kNsPerSecond;
}

void add_record_lag(ReplicaLag& lag, const std::vector<repo::RecordInfo>& main_records, repo::Repository& replica,
                    int64_t now_ns) {
  std::set<std::string> have;
  for (const auto& r : repo::RecordStore(replica).list("pg")) have.insert(r.name);
  int64_t oldest = 0;
  for (const auto& r : main_records) {
    if (have.contains(r.name)) continue;
    ++lag.missing_records;
    lag.missing_record_bytes += r.stored_size;
    if (r.stored_ns && (!oldest || r.stored_ns < oldest)) oldest = r.stored_ns;
    if (r.name.find("/wal/") != std::string::npos)
      lag.newest_missing_wal = std::max(lag.newest_missing_wal, r.name.substr(r.name.rfind('/') + 1));
  }
  if (lag.missing_records && oldest) lag.record_lag_seconds = (now_ns - oldest) / kNsPerSecond;
}

ReplicaCopy replicate_one(repo::Repository& main, const std::vector<repo::Snapshot>& snaps,
                          const ReplicaTarget& target, Job& job) {
  ReplicaCopy out;
  out.name = target.name;
  out.location = target.access.location;
  try {
    job.cancel.throw_if_cancelled();
    auto replica = open_repository(target.access, job);
    auto lock = repo::RepoLock::acquire(*replica, false, "replicate", 0, job.cancel);
    replica->load_index();
    repo::CopyOptions opts;
    opts.threads = job.threads ? job.threads : 4;
    opts.cancel = job.cancel;
    out.snapshots = repo::copy_snapshots(main, *replica, snaps, opts);
    out.records = repo::copy_records(main, *replica, "pg");
  } catch (const Error& e) {
    if (e.code() == ExitCode::interrupted) throw;
    out.error = e;
  }
  return out;
}

}  // namespace

std::vector<ReplicaTarget> replica_targets(const RepositoryAccess& main, const config::ConfigFile& cfg) {
  if (cfg.replicas.empty()) throw Error(ExitCode::usage, cfg.path + " lists no replicas");
  std::vector<ReplicaTarget> targets;
  for (const auto& r : cfg.replicas)
    targets.push_back({r.name, with_location(main, r.repository, r.key_file, r.password_file)});
  return targets;
}

ReplicaLag replica_lag(const std::vector<repo::Snapshot>& main_snaps, const std::vector<repo::RecordInfo>& main_records,
                       repo::Repository& replica, int64_t now_ns) {
  ReplicaLag lag;
  add_snapshot_lag(lag, main_snaps, replica, now_ns);
  add_record_lag(lag, main_records, replica, now_ns);
  return lag;
}

size_t ReplicationStatus::unreachable() const {
  return static_cast<size_t>(std::count_if(replicas.begin(), replicas.end(), [](const auto& r) { return !r.lag; }));
}

ReplicationStatus replication_status(const RepositoryAccess& main_access, const std::vector<ReplicaTarget>& replicas,
                                     Job& job) {
  auto main = open_repository(main_access, job);
  auto snaps = load_snapshots_logged(*main);
  auto records = repo::RecordStore(*main).list("pg");
  ReplicationStatus status;
  status.location = main->backend().location();
  status.snapshots = snaps.size();
  status.newest_snapshot_ns = snaps.empty() ? 0 : snaps.back().time_ns;
  status.records = records.size();
  for (const auto& target : replicas) {
    ReplicaStatus r{target.name, target.access.location, std::nullopt, {}};
    try {
      auto replica = open_repository(target.access, job);
      r.lag = replica_lag(snaps, records, *replica, job.now_ns());
      r.location = replica->backend().location();
    } catch (const Error& e) {
      r.error = e.what();
    }
    status.replicas.push_back(std::move(r));
  }
  return status;
}

std::vector<ReplicaCopy> replicate(const RepositoryAccess& main_access, const std::vector<ReplicaTarget>& replicas,
                                   Job& job) {
  auto main = open_repository(main_access, job);
  auto lock = lock_for_reading(main_access, *main, "replicate (source)", job);
  main->load_index();
  auto snaps = load_snapshots_logged(*main);
  std::vector<ReplicaCopy> copies;
  for (const auto& target : replicas) copies.push_back(replicate_one(*main, snaps, target, job));
  return copies;
}

}  // namespace strata::app
