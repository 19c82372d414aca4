// Where a repository is and how to open it: the part of every use case that the
// CLI, the daemon and restore tests share. The caller resolves flags, environment
// and strata.yaml into a RepositoryAccess (config/ and cli/ do that); everything
// here works from that struct alone and never reads the environment.
#pragma once
#include <memory>
#include <string>

#include "app/job.h"
#include "crypto/key_slot.h"
#include "repo/lock.h"
#include "repo/repository.h"
#include "repo/snapshot.h"

namespace strata::app {

struct RepositoryAccess {
  std::string location;       // path or s3://... (empty: Error(usage))
  std::string key_file;       // a key file, or
  std::string password_file;  // a file whose first line is the passphrase, or
  std::string password;       // the passphrase itself (STRATA_PASSWORD)
  std::string cache_dir;      // metadata cache root of remote repositories ("" = none)
  bool no_cache = false;      // remote repositories: read metadata from the store only
  bool no_lock = false;       // readers take no lock (writers refuse it in their caller)
};

// The same access for another repository: its location, and its key or passphrase
// file when given (else those of `base`).
RepositoryAccess with_location(const RepositoryAccess& base, const std::string& location, const std::string& key_file,
                               const std::string& password_file);

// First line of a password file (without its line ending); Error(io) if unreadable.
std::string read_passphrase_file(const std::string& path);
// The 32 secret bytes of a key file; errors name the file.
Bytes read_key_file(const std::string& path);
// The secret to use: key file if given, else passphrase (file, then `password`).
// Error(usage) when none is given or the passphrase is empty.
crypto::Secret load_secret(const RepositoryAccess& access);
// Label, host, user and time (`now_ns`) recorded in a new key slot.
crypto::SlotInfo make_slot_info(const std::string& label, int64_t now_ns);

// Opens the repository (without loading the index). Error(usage) without a
// location, Error(repo_missing) when nothing is there. A remote repository gets the
// local metadata cache (<cache_dir>/<repository id>) unless no_cache. The
// repository keeps time by the job's clock (locks are dated and aged by it).
std::unique_ptr<repo::Repository> open_repository(const RepositoryAccess& access, const Job& job);
// The lock of an operation that only reads `repo`: a shared lock; none with
// no_lock; none when the repository cannot be written (read-only mount, no write
// permission, a bucket that refuses writes), after one logged warning. Throws
// Error(lock_held) as RepoLock::acquire, Error(interrupted) when the job is
// cancelled while it waits.
std::unique_ptr<repo::RepoLock> lock_for_reading(const RepositoryAccess& access, repo::Repository& repo,
                                                 const std::string& operation, const Job& job,
                                                 int wait_seconds = 0);

// Every snapshot name, readable or not; each unreadable one is logged as a warning
// naming it (one damaged object must not block work on the others).
repo::SnapshotList load_snapshot_list_logged(repo::Repository& repo);
// The readable snapshots of load_snapshot_list_logged.
std::vector<repo::Snapshot> load_snapshots_logged(repo::Repository& repo);

}  // namespace strata::app
