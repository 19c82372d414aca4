// Replication between the repository and its replicas (strata.yaml `replicas:`):
// how far each replica is behind — the RPO figure of the copy in another place,
// which `repo status` prints and the daemon exports — and `replicate`, which
// copies what each replica lacks (snapshots with their blobs, WAL and other records).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/job.h"
#include "app/repository_access.h"
#include "common/error.h"
#include "config/config_file.h"
#include "repo/copier.h"
#include "repo/record_store.h"

namespace strata::app {

struct ReplicaTarget {
  std::string name;
  RepositoryAccess access;
};

// The replicas of `cfg`, each with its own key or passphrase file or `main`'s.
// Error(usage) when the file lists none.
std::vector<ReplicaTarget> replica_targets(const RepositoryAccess& main, const config::ConfigFile& cfg);

// What a replica lacks of the main repository.
struct ReplicaLag {
  uint64_t snapshots = 0;       // the replica holds
  int64_t newest_snapshot_ns = 0;  // 0: none
  uint64_t missing_snapshots = 0, missing_snapshot_bytes = 0;
  int64_t oldest_missing_ns = 0, newest_missing_ns = 0;  // 0: none missing
  int64_t snapshot_lag_seconds = 0;  // now - oldest missing snapshot
  uint64_t missing_records = 0, missing_record_bytes = 0;
  std::string newest_missing_wal;   // "" when no WAL segment is missing
  int64_t record_lag_seconds = 0;   // now - oldest missing record
  bool in_sync() const { return missing_snapshots == 0 && missing_records == 0; }
};

ReplicaLag replica_lag(const std::vector<repo::Snapshot>& main_snaps, const std::vector<repo::RecordInfo>& main_records,
                       repo::Repository& replica, int64_t now_ns);

struct ReplicaStatus {
  std::string name;
  std::string location;       // as opened, or as configured when unreachable
  std::optional<ReplicaLag> lag;  // empty: unreachable
  std::string error;              // why it is unreachable
};

struct ReplicationStatus {
  std::string location;
  uint64_t snapshots = 0;
  int64_t newest_snapshot_ns = 0;  // 0: none
  uint64_t records = 0;
  std::vector<ReplicaStatus> replicas;
  size_t unreachable() const;
};

// Reads the main repository and every replica; an unreachable replica is reported,
// not thrown.
ReplicationStatus replication_status(const RepositoryAccess& main, const std::vector<ReplicaTarget>& replicas,
                                     Job& job);

struct ReplicaCopy {
  std::string name, location;
  repo::CopyReport snapshots;
  repo::RecordCopyReport records;
  std::optional<Error> error;  // this replica failed; the others were still tried
};

// Copies what each replica lacks, one after the other; a failing replica does not
// stop the others.
std::vector<ReplicaCopy> replicate(const RepositoryAccess& main, const std::vector<ReplicaTarget>& replicas, Job& job);

}  // namespace strata::app
