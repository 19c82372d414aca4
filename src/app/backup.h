// `backup` as a use case: files and directories (or one stream) into a new
// snapshot, compared against the right parent so unchanged files are not read
// again. The daemon's schedules and the CLI both call backup().
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "app/job.h"
#include "app/repository_access.h"
#include "common/error.h"
#include "source/fs_backup.h"

namespace strata::app {

struct BackupRequest {
  RepositoryAccess access;
  std::vector<std::string> paths;  // files or directories; empty with stream_fd
  std::vector<std::string> tags, excludes;
  std::string dataset = "default";
  std::string host;    // empty: this machine
  std::string parent;  // snapshot reference; empty: the latest of the same host, dataset and paths
  std::optional<int64_t> recorded_time_ns;  // recorded instead of the start time (imports)
  bool one_file_system = false;
  bool force = false;  // read every file even if unchanged since the parent
  int stream_fd = -1;  // >= 0: back up this descriptor's bytes as one file named stream_name
  std::string stream_name = "stdin";  // "" means "stdin"
  bool count_totals = false;  // walk the paths in parallel to fill the progress totals
};

struct BackupOutcome {
  source::BackupResult result;
  // ok, or partial when some files could not be read (result.errors).
  ExitCode code() const { return result.errors.empty() ? ExitCode::ok : ExitCode::partial; }
};

// Error(usage) for a request without paths or stream, with both, or with an empty
// dataset; otherwise opens, takes a shared lock (checked again before the commit)
// and backs up.
BackupOutcome backup(const BackupRequest& request, Job& job);

}  // namespace strata::app
