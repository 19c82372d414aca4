// Test helper: builds a snapshot by hand (data blobs, a root tree with one file per
// blob except the last, which lives in sub/inner; encode_tree; save_snapshot), the
// way the source layer would, without depending on it.
#pragma once
#include <string>
#include <vector>

#include "repo/snapshot.h"
#include "repo/tree.h"
#include "repo_test_util.h"

namespace strata::repo::testing {

struct BuiltSnapshot {
  Snapshot snap;
  std::vector<BlobId> data;   // data blob ids, in file order
  std::vector<BlobId> trees;  // root first, then sub
};

inline Node file_node(const std::string& name, const std::vector<BlobId>& content, uint64_t size) {
  Node n;
  n.name = name;
  n.type = NodeType::file;
  n.mode = 0644;
  n.size = size;
  n.content = content;
  return n;
}

inline BuiltSnapshot build_snapshot(TestRepo& r, const std::vector<Bytes>& files,
                                    int64_t time_ns = 1700000000000000000,
                                    const std::string& host = "host") {
  BuiltSnapshot b;
  for (const auto& f : files) b.data.push_back(r.save(BlobType::data, f));
  Tree sub;
  if (!files.empty()) sub.nodes.push_back(file_node("inner", {b.data.back()}, files.back().size()));
  Bytes sub_bytes = encode_tree(sub);
  BlobId sub_id = r.save(BlobType::tree, sub_bytes);
  Tree root;
  for (size_t i = 0; i + 1 < files.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "f%03zu", i);
    root.nodes.push_back(file_node(name, {b.data[i]}, files[i].size()));
  }
  Node dir;
  dir.name = "sub";
  dir.type = NodeType::dir;
  dir.mode = 0755;
  dir.subtree = sub_id;
  root.nodes.push_back(dir);
  BlobId root_id = r.save(BlobType::tree, encode_tree(root));
  b.trees = {root_id, sub_id};
  b.snap.time_ns = time_ns;
  b.snap.host = host;
  b.snap.username = "tester";
  b.snap.paths = {"/data"};
  b.snap.tree = root_id;
  b.snap.program = "strata unit test";
  save_snapshot(*r, b.snap);
  return b;
}

}  // namespace strata::repo::testing
