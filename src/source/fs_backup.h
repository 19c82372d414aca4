// Backup of filesystem trees (and of a stdin stream) into a repository. The walk runs
// on the calling thread and, for whole subtrees, on one helper thread; chunk
// hashing, compression, encryption and pack writes run on a worker pool with a
// bounded amount of data in flight. Files whose size, mtime,
// ctime and inode match the parent snapshot are not read again.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "common/clock.h"
#include "common/progress.h"
#include "repo/repository.h"
#include "repo/snapshot.h"

namespace strata::source {

// Sees a file's bytes in the order the backup reads them (an application source
// validating page checksums, say). data() gets each piece read, with its offset
// in the file; finish() is called once the file is read to its end.
class FileObserver {
 public:
  virtual ~FileObserver() = default;
  virtual void data(uint64_t offset, ByteView bytes) = 0;
  virtual void finish() = 0;
};

// Chooses the files to observe. Called on the backup's walker threads (two at
// once): must be thread-safe. `fd` is the open file (for re-reads), valid until
// finish() returns.
class ContentInspector {
 public:
  virtual ~ContentInspector() = default;
  virtual std::unique_ptr<FileObserver> observe(const std::string& path, int fd) = 0;
};

struct BackupOptions {
  std::vector<std::string> paths;     // files or directories (made absolute)
  std::vector<std::string> excludes;  // fnmatch globs on the absolute path or base name
  bool one_file_system = false;
  bool force = false;                 // re-read files even when unchanged
  const repo::Snapshot* parent = nullptr;
  std::vector<std::string> tags;
  std::string dataset = "default";
  std::string host;                   // empty: this machine's hostname
  unsigned threads = 0;               // 0: number of cores
  uint64_t max_in_flight = 0;         // bytes; 0: default (16 MiB)
  // A file whose mtime in the parent is at or after this time is read again even
  // when size, times and inode look unchanged: a write in the same clock tick as
  // the parent's read of it would not have moved its mtime. 0: trust the parent.
  int64_t reuse_only_mtime_before_ns = 0;
  // Entries that vanish between listing and reading are skipped silently instead
  // of being reported (a database drops and creates files while it is copied).
  bool ignore_vanished = false;
  // Any unreadable file fails the backup (no snapshot) instead of making it
  // partial: a database copy with a file missing is not a backup.
  bool unreadable_is_fatal = false;
  // Shown every file that is read (not those reused from the parent); may be null.
  ContentInspector* inspector = nullptr;
  // Called with the finished snapshot just before it is committed; may add to it
  // (source_json, tags) and throws to abort (e.g. when the repository lock was
  // lost meanwhile).
  std::function<void(repo::Snapshot&)> before_commit;
  // Checked per entry walked and per read of a file, and once more before the
  // commit: a cancelled backup stops with Error(interrupted) and makes no snapshot
  // (what it stored is unreferenced until a later backup reuses it or prune
  // removes it).
  CancelToken cancel;
  const Clock* clock = &system_clock();  // the snapshot's time and the duration
};

struct BackupResult {
  repo::Snapshot snapshot;
  std::vector<std::string> errors;  // unreadable files, one line each
};

BackupResult backup_paths(repo::Repository& repo, const BackupOptions& options,
                          ProgressCounters& progress);

// Backs up everything readable from `fd` as one file named `name`.
BackupResult backup_stream(repo::Repository& repo, int fd, const std::string& name,
                           const BackupOptions& options, ProgressCounters& progress);

// The absolute path a backup records for a source argument: symlinks in the
// directories above it are resolved (so /link/dir is stored where it really is
// and restores as directories), the last component is kept as it is.
std::string canonical_source_path(const std::string& path);

}  // namespace strata::source
