// libFuzzer target: parse_tree on arbitrary bytes (tree blobs are MessagePack) must
// never throw, crash or leak; an accepted tree must satisfy the documented
// invariants (sorted unique names, no "."/".."/'/'/NUL, dirs have a subtree) and
// survive an encode/parse round trip unchanged.
// The parser's translation unit is compiled into this target (and so takes
// precedence over the copy in libstrata_repo.a, which the linker then never pulls):
// the CMake fuzz build instruments only the fuzz_*.cpp sources, and without this
// libFuzzer would get no coverage feedback from the parser and ASan/UBSan would not
// see its memory accesses.
#include "repo/tree.cpp"  // NOLINT(bugprone-suspicious-include)

#include <cstddef>
#include <cstdint>
#include <string>

#include "repo/tree.h"

using namespace strata;
using namespace strata::repo;

namespace {
bool same(const Node& a, const Node& b) {
  return a.name == b.name && a.type == b.type && a.mode == b.mode && a.uid == b.uid &&
         a.gid == b.gid && a.user == b.user && a.group == b.group && a.mtime_ns == b.mtime_ns &&
         a.ctime_ns == b.ctime_ns && a.atime_ns == b.atime_ns && a.inode == b.inode &&
         a.device == b.device && a.links == b.links && a.rdev == b.rdev && a.size == b.size &&
         a.content == b.content && a.subtree == b.subtree && a.link_target == b.link_target &&
         a.xattrs == b.xattrs && a.extents.has_value() == b.extents.has_value();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Tree tree;
  std::string reason;
  bool ok = false;
  try {
    ok = parse_tree(ByteView(data, size), tree, reason);
  } catch (...) {
    __builtin_trap();  // documented: never throws for bad bytes
  }
  if (!ok) {
    if (reason.empty()) __builtin_trap();
    return 0;
  }
  for (size_t i = 0; i < tree.nodes.size(); ++i) {
    const Node& n = tree.nodes[i];
    if (n.name.empty() || n.name == "." || n.name == ".." ||
        n.name.find('/') != std::string::npos || n.name.find('\0') != std::string::npos)
      __builtin_trap();
    if (i > 0 && !(tree.nodes[i - 1].name < n.name)) __builtin_trap();
    if (n.type == NodeType::dir && !n.subtree) __builtin_trap();
    if (n.mode > 07777) __builtin_trap();
  }
  Tree again;
  std::string reason2;
  if (!parse_tree(encode_tree(tree), again, reason2)) __builtin_trap();
  if (again.nodes.size() != tree.nodes.size()) __builtin_trap();
  for (size_t i = 0; i < tree.nodes.size(); ++i)
    if (!same(tree.nodes[i], again.nodes[i])) __builtin_trap();
  return 0;
}
