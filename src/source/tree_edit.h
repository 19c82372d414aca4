// Replacing one file of a snapshot tree after the walk: stores the file's
// current content and returns the id of a new root tree in which only that file
// and the directories above it differ. A backup that must copy one file after
// all others (PostgreSQL's pg_control, from a standby) uses it.
#pragma once
#include <string>

#include "repo/blob.h"
#include "repo/repository.h"

namespace strata::source {

// Reads `source_path` now and puts it at `snapshot_path` ("/var/lib/pg/global/
// pg_control"; every directory above it must exist in the tree). Returns the
// new root tree id. Error(io) if the file cannot be read, Error(not_found) if a
// directory on the way is missing from the tree. Flushes the repository's open
// packs first: call with no save_blob() running.
repo::BlobId replace_file_in_tree(repo::Repository& repo, const repo::BlobId& root,
                                  const std::string& snapshot_path, const std::string& source_path);

}  // namespace strata::source
