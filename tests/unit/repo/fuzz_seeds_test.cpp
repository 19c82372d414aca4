// Seed corpora for the libFuzzer targets in fuzz/: valid encodings of a pack header
// (prefixed by its 8-byte blob-area end, as fuzz_pack_header reads it) and a pack
// trailer, an index, and trees. With STRATA_WRITE_FUZZ_SEEDS=<dir> the test writes
// them to <dir>/<target>/ (how fuzz/corpus was made); it always checks that the
// committed seeds in fuzz/corpus parse.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "crypto/hash.h"
#include "repo/index_format.h"
#include "repo/pack_format.h"
#include "repo/tree.h"

namespace strata::repo {
namespace {

namespace fs = std::filesystem;

std::vector<PackEntry> entries(size_t n) {
  std::vector<PackEntry> out;
  uint32_t off = kPackPreambleSize;
  for (size_t i = 0; i < n; ++i) {
    PackEntry e;
    e.id = crypto::sha256(as_bytes("seed " + std::to_string(i)));
    e.type = i % 2 ? BlobType::tree : BlobType::data;
    e.flags = i % 2 ? kBlobCompressed : 0;
    e.offset = off;
    e.stored_len = static_cast<uint32_t>(28 + 100 * i);
    e.raw_len = static_cast<uint32_t>(300 * i);
    off += e.stored_len;
    out.push_back(e);
  }
  return out;
}

Bytes header_seed(size_t n) {
  auto es = entries(n);
  uint64_t end = kPackPreambleSize;
  for (const auto& e : es) end += e.stored_len;
  Bytes out;
  put_u64le(out, end);
  append(out, encode_pack_header(es));
  return out;
}

Tree seed_tree() {
  Tree t;
  Node d;
  d.name = "dir";
  d.type = NodeType::dir;
  d.mode = 0755;
  d.subtree = crypto::sha256(as_bytes("sub"));
  d.xattrs["user.x"] = Bytes{1, 2};
  Node f;
  f.name = "file";
  f.type = NodeType::file;
  f.mode = 0644;
  f.size = 10000;
  f.user = "root";
  f.content = {crypto::sha256(as_bytes("c"))};
  f.extents = std::vector<Extent>{{0, 100}, {5000, 200}};
  Node l;
  l.name = "link";
  l.type = NodeType::symlink;
  l.link_target = "file";
  Node c;
  c.name = "tty";
  c.type = NodeType::chardev;
  c.rdev = 0x0400;
  t.nodes = {d, f, l, c};
  return t;
}

std::map<std::string, std::map<std::string, Bytes>> seeds() {
  std::vector<IndexedPack> idx(2);
  idx[0].id = crypto::sha256(as_bytes("pack a"));
  idx[0].blobs = entries(3);
  idx[1].id = crypto::sha256(as_bytes("pack b"));
  idx[1].blobs = entries(1);
  return {
      {"fuzz_pack_header",
       {{"header-empty", header_seed(0)}, {"header-3", header_seed(3)},
        {"trailer", pack_trailer(1234)}}},
      {"fuzz_index", {{"index-empty", encode_index({})}, {"index-2", encode_index(idx)}}},
      {"fuzz_tree", {{"tree-empty", encode_tree(Tree{})}, {"tree-4", encode_tree(seed_tree())}}},
  };
}

bool accepted(const std::string& target, const std::string& name, ByteView b) {
  std::string reason;
  if (target == "fuzz_index") {
    std::vector<IndexedPack> out;
    return parse_index(b, out, reason);
  }
  if (target == "fuzz_tree") {
    Tree t;
    return parse_tree(b, t, reason);
  }
  if (name.rfind("trailer", 0) == 0) return parse_pack_trailer(b) != 0;
  std::vector<PackEntry> out;
  return b.size() >= 8 && parse_pack_header(b.subspan(8), get_u64le(b.data()), out, reason);
}

TEST(FuzzSeedsTest, SeedsAreValid) {
  for (const auto& [target, files] : seeds())
    for (const auto& [name, bytes] : files) EXPECT_TRUE(accepted(target, name, bytes)) << name;
}

TEST(FuzzSeedsTest, WriteSeedsWhenAsked) {
  const char* dir = std::getenv("STRATA_WRITE_FUZZ_SEEDS");
  if (!dir || !*dir) GTEST_SKIP() << "set STRATA_WRITE_FUZZ_SEEDS=<dir> to write seed corpora";
  for (const auto& [target, files] : seeds()) {
    fs::create_directories(fs::path(dir) / target);
    for (const auto& [name, bytes] : files) {
      std::ofstream out(fs::path(dir) / target / name, std::ios::binary);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      ASSERT_TRUE(out.good());
    }
  }
}

TEST(FuzzSeedsTest, CommittedSeedsParse) {
  fs::path corpus = fs::path(__FILE__).parent_path() / "../../../fuzz/corpus";
  if (!fs::exists(corpus)) GTEST_SKIP() << corpus << " not found";
  size_t n = 0;
  for (const auto& [target, files] : seeds()) {
    for (const auto& entry : fs::directory_iterator(corpus / target)) {
      std::ifstream in(entry.path(), std::ios::binary);
      Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_TRUE(accepted(target, entry.path().filename().string(), b)) << entry.path();
      ++n;
    }
  }
  EXPECT_GE(n, 7u);
}

}  // namespace
}  // namespace strata::repo
