// Directory trees as stored in tree blobs: one tree per directory, listing its
// entries (sorted by name) with all metadata needed for a faithful restore. The
// encoding is MessagePack of {"v":1,"nodes":[...]} so fields can be added later.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "repo/blob.h"

namespace strata::repo {

enum class NodeType { file, dir, symlink, fifo, chardev, blockdev, socket };
const char* node_type_name(NodeType t);
std::optional<NodeType> node_type_from_name(const std::string& s);

struct Extent {  // a data region of a sparse file
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct Node {
  std::string name;
  NodeType type = NodeType::file;
  uint32_t mode = 0;  // permission bits incl. setuid/setgid/sticky (07777)
  uint32_t uid = 0, gid = 0;
  std::string user, group;
  int64_t mtime_ns = 0, ctime_ns = 0, atime_ns = 0;
  uint64_t inode = 0, device = 0, links = 1;
  uint64_t rdev = 0;  // device nodes
  uint64_t size = 0;
  std::vector<BlobId> content;         // files: chunks of the data (holes excluded)
  std::optional<std::vector<Extent>> extents;  // files with holes: where the data goes
  std::optional<BlobId> subtree;       // dirs
  std::string link_target;             // symlinks
  std::map<std::string, Bytes> xattrs;
};

struct Tree {
  std::vector<Node> nodes;  // sorted by name, unique names
};

Bytes encode_tree(const Tree& tree);
// Returns false with a reason if malformed (never throws for bad bytes).
bool parse_tree(ByteView bytes, Tree& out, std::string& reason);

}  // namespace strata::repo
