// One-file replacement in a snapshot tree (see tree_edit.h).
#include "source/tree_edit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "common/error.h"
#include "common/posix_io.h"
#include "repo/tree.h"
#include "repo/tree_walk.h"
#include "source/fs_metadata.h"

namespace strata::source {

namespace {

repo::Node read_file_node(repo::Repository& repo, const std::string& path, const std::string& name) {
  const posix::UniqueFd fd(posix::open_retry(path, O_RDONLY | O_NOFOLLOW));
  if (!fd) throw io_error("cannot read " + path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throw io_error("cannot read " + path, errno);
  repo::Node node;
  node.name = name;
  node_from_stat(st, node, nullptr);
  read_xattrs(fd.get(), path, node);
  Bytes data;
  if (int err = posix::read_to_end(fd.get(), static_cast<uint64_t>(st.st_size), data); err != 0)
    throw io_error("reading " + path, err);
  node.size = data.size();
  node.extents.reset();
  node.content.clear();
  for (size_t pos = 0; pos < data.size();) {
    size_t len = repo.chunker().cut(data.data() + pos, data.size() - pos);
    ByteView chunk(data.data() + pos, len);
    repo::BlobId id = repo.blob_id(chunk);
    repo.save_blob(repo::BlobType::data, id, chunk);
    node.content.push_back(id);
    pos += len;
  }
  return node;
}

repo::BlobId save_tree(repo::Repository& repo, const repo::Tree& tree) {
  Bytes enc = repo::encode_tree(tree);
  repo::BlobId id = repo.blob_id(enc, repo::BlobType::tree);
  repo.save_blob(repo::BlobType::tree, id, enc);
  return id;
}

repo::BlobId replace_below(repo::Repository& repo, const repo::BlobId& tree_id, const std::vector<std::string>& parts,
                           size_t at, const repo::Node& file, const std::string& snapshot_path) {
  repo::Tree tree = repo::load_tree(repo, tree_id);
  auto it = std::find_if(tree.nodes.begin(), tree.nodes.end(), [&](const repo::Node& n) { return n.name == parts[at]; });
  if (at + 1 == parts.size()) {
    if (it != tree.nodes.end()) *it = file;
    else {
      tree.nodes.push_back(file);
      std::sort(tree.nodes.begin(), tree.nodes.end(), [](const repo::Node& a, const repo::Node& b) { return a.name < b.name; });
    }
    return save_tree(repo, tree);
  }
  if (it == tree.nodes.end() || it->type != repo::NodeType::dir || !it->subtree)
    throw Error(ExitCode::not_found, "snapshot tree has no directory " + parts[at] + " on the way to " + snapshot_path);
  it->subtree = replace_below(repo, *it->subtree, parts, at + 1, file, snapshot_path);
  return save_tree(repo, tree);
}

}  // namespace

repo::BlobId replace_file_in_tree(repo::Repository& repo, const repo::BlobId& root, const std::string& snapshot_path,
                                  const std::string& source_path) {
  const std::string norm = repo::normalize_snapshot_path(snapshot_path);
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= norm.size()) {
    size_t slash = norm.find('/', start);
    if (slash == std::string::npos) slash = norm.size();
    if (slash > start) parts.push_back(norm.substr(start, slash - start));
    start = slash + 1;
  }
  if (parts.empty()) throw Error(ExitCode::usage, "cannot replace the root of a snapshot");
  repo::Node file = read_file_node(repo, source_path, parts.back());
  repo.flush();  // the walk's trees may still sit in open packs; loading needs them indexed
  return replace_below(repo, root, parts, 0, file, snapshot_path);
}

}  // namespace strata::source
