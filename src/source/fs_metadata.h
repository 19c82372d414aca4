// Reading and applying file metadata (type, mode, owner, times, xattrs) between the
// filesystem and tree nodes. Used by the file-tree backup and restore.
#pragma once
#include <sys/stat.h>

#include <string>

#include "repo/tree.h"

namespace strata::source {

// Fills every metadata field of `node` from `st` (and xattrs / link target read
// from `path`); leaves name and content alone. `previous` is the same entry in the
// parent snapshot, if any: when its type, device, inode and ctime are unchanged,
// its xattrs and link target are reused instead of read again (changing either
// changes the ctime), which spares two system calls per entry on re-backups.
void node_from_stat(const std::string& path, const struct stat& st, repo::Node& node,
                    const repo::Node* previous = nullptr);

// The same in parts, for a walk that reaches entries through directory
// descriptors: fills every field that comes from `st` (and xattrs and link target
// from `previous` when they can be reused, as above) and returns true when xattrs
// and the link target must still be read.
bool node_from_stat(const struct stat& st, repo::Node& node, const repo::Node* previous);
// Reads xattrs through `fd` when it is >= 0 (no path lookup), else by `path`
// without following a symlink. Unreadable attributes are left out.
void read_xattrs(int fd, const std::string& path, repo::Node& node);
// Reads a symlink's target: `at_name` relative to `dirfd` (or a full path with AT_FDCWD).
void read_link_target(int dirfd, const char* at_name, const struct stat& st, repo::Node& node);

// Applies ownership (when running as root or the owner), mode, xattrs and times to
// an already created entry. Returns an empty string or a description of what failed.
std::string apply_metadata(const std::string& path, const repo::Node& node);

// The same for a regular file through its open descriptor (after its last write):
// no path lookups, and nothing can have replaced the entry meanwhile.
std::string apply_file_metadata(int fd, const repo::Node& node);

}  // namespace strata::source
