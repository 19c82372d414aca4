// Restore of a snapshot (or parts of it) into a target directory. Content is
// restored in parallel, blob by blob, in pack order; a blob that fails
// authentication is never written: its file is removed and reported, every other
// file is restored. Metadata is applied last (directories deepest first).
#pragma once
#include <string>
#include <vector>

#include "common/progress.h"
#include "repo/repository.h"
#include "repo/snapshot.h"
#include "repo/tree.h"

namespace strata::source {

struct RestoreOptions {
  std::string target;                 // directory; created if missing
  std::vector<std::string> includes;  // snapshot paths; empty: everything
  // A directory of the snapshot whose content becomes the target itself
  // ("/var/lib/postgresql/15/main" restored as <target>/base, <target>/global, …)
  // instead of <target>/var/lib/…; empty: the whole snapshot below the target.
  std::string subtree;
  unsigned threads = 0;               // 0: number of cores
  // Files already at the target with exactly the snapshot's content (same size,
  // same chunk ids when read and chunked again) are not rewritten; only their
  // metadata is applied.
  bool delta = false;
  // Files below these directories (paths as they are restored, relative to the
  // target, e.g. "/base/16384") get their size and metadata but no content:
  // sparse, all zeros (a database left out of a PostgreSQL restore).
  std::vector<std::string> zero_content_under;
};

struct RestoreResult {
  uint64_t files = 0, dirs = 0, others = 0, bytes = 0;
  uint64_t files_unchanged = 0, bytes_unchanged = 0;  // delta: content already right
  uint64_t files_zeroed = 0;                          // zero_content_under
  std::vector<std::string> integrity_errors;  // files not restored because data is corrupt
  std::vector<std::string> warnings;          // metadata that could not be applied
};

RestoreResult restore_snapshot(repo::Repository& repo, const repo::Snapshot& snap,
                               const RestoreOptions& options, ProgressCounters& progress);

// Writes the content of one file node to `fd` (holes become zeros).
void write_file_content(repo::Repository& repo, const repo::Node& node, int fd);

}  // namespace strata::source
