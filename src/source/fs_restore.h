// Restore of a snapshot (or parts of it) into a target directory. Content is
// restored in parallel, blob by blob, in pack order; a blob that fails
// authentication is never written: its file is removed and reported, every other
// file is restored. Metadata is applied last (directories deepest first).
// What is already at the target is replaced path by path (a file by a file, a file
// by a directory and back, an empty directory by a file); a non-empty directory in
// the way of a file is left alone and reported in `not_restored`, and the rest of
// the snapshot is still restored.
#pragma once
#include <string>
#include <vector>

#include "common/cancel.h"
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
  // Checked between the steps and per blob written. A cancelled restore stops
  // with Error(interrupted); files it had not finished are removed, as after a
  // failed read, so nothing that looks restored is partly zeros.
  CancelToken cancel;
};

struct RestoreResult {
  uint64_t files = 0, dirs = 0, others = 0, bytes = 0;
  uint64_t files_unchanged = 0, bytes_unchanged = 0;  // delta: content already right
  uint64_t files_zeroed = 0;                          // zero_content_under
  std::vector<std::string> integrity_errors;  // files not restored because data is corrupt
  // Paths left alone because something the replace rule does not remove is in the
  // way (a non-empty directory where the snapshot has a file): "PATH: why".
  std::vector<std::string> not_restored;
  std::vector<std::string> warnings;          // metadata that could not be applied
};

// What is risky about a restore target, judged before anything is written: "/"
// replaces system files in place; a target inside one of the snapshot's backed-up
// paths puts a second copy into what the next backup of that path reads.
struct TargetRisk {
  bool is_root = false;
  std::string inside_source;  // the snapshot path the target lies in, or empty
};
TargetRisk assess_restore_target(const std::string& target, const repo::Snapshot& snap);

RestoreResult restore_snapshot(repo::Repository& repo, const repo::Snapshot& snap,
                               const RestoreOptions& options, ProgressCounters& progress);

// Writes the content of one file node to `fd` (holes become zeros).
void write_file_content(repo::Repository& repo, const repo::Node& node, int fd);

}  // namespace strata::source
