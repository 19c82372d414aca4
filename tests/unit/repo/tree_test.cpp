// Tree encoding: round trip of every field (all node types, xattrs, extents,
// unicode and binary names, empty tree); parse_tree rejects unsorted or duplicate
// names, ".", "..", names with '/' or NUL, missing fields, bad ids, bad extents,
// bad mode bits, wrong versions and garbage bytes — without throwing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "crypto/hash.h"
#include "repo/tree.h"
#include "repo_test_util.h"

namespace strata::repo {
namespace {

using nlohmann::json;

BlobId id_of(const std::string& s) { return crypto::sha256(as_bytes(s)); }

Node base_node(const std::string& name, NodeType type) {
  Node n;
  n.name = name;
  n.type = type;
  n.mode = 0755;
  n.uid = 1000;
  n.gid = 100;
  n.mtime_ns = 1700000000123456789;
  n.ctime_ns = 1700000001000000000;
  n.atime_ns = -5;  // before the epoch
  n.inode = 1234567890123ull;
  n.device = 0xfd01;
  n.links = 2;
  n.size = 0;
  return n;
}

Tree full_tree() {
  Tree t;
  Node blk = base_node("blk", NodeType::blockdev);
  blk.rdev = 0x0801;
  blk.mode = 0660;
  Node chr = base_node("chr", NodeType::chardev);
  chr.rdev = 0x0103;
  Node dir = base_node("dir", NodeType::dir);
  dir.subtree = id_of("subtree");
  dir.xattrs["user.comment"] = Bytes{'h', 'i'};
  dir.xattrs["security.selinux"] = Bytes{0, 1, 2, 255};
  Node empty_file = base_node("empty", NodeType::file);
  empty_file.user = "alice";
  empty_file.group = "staff";
  Node fifo = base_node("fifo", NodeType::fifo);
  Node file = base_node("file", NodeType::file);
  file.mode = 07777;
  file.size = 3 << 20;
  file.content = {id_of("c1"), id_of("c2"), id_of("c1")};
  file.user = "bob";
  file.group = "";
  Node link = base_node("link", NodeType::symlink);
  link.link_target = "../some/where with spaces/\xe2\x98\x83";
  Node sock = base_node("sock", NodeType::socket);
  Node sparse = base_node("sparse", NodeType::file);
  sparse.size = 10 << 20;
  sparse.content = {id_of("s1"), id_of("s2")};
  sparse.extents = std::vector<Extent>{{0, 4096}, {1 << 20, 8192}, {(10 << 20) - 1, 1}};
  sparse.xattrs["user.empty"] = Bytes{};
  Node holes_only = base_node("sparse2", NodeType::file);
  holes_only.size = 1 << 30;
  holes_only.extents = std::vector<Extent>{};
  Node unicode = base_node("\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", NodeType::file);
  Node binary_name = base_node(std::string("\xff\xfe raw"), NodeType::file);
  t.nodes = {blk, chr, dir, empty_file, fifo, file, link, sock, sparse, holes_only, unicode,
             binary_name};
  std::sort(t.nodes.begin(), t.nodes.end(),
            [](const Node& a, const Node& b) { return a.name < b.name; });
  return t;
}

void expect_same(const Node& a, const Node& b) {
  SCOPED_TRACE(a.name);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.gid, b.gid);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.group, b.group);
  EXPECT_EQ(a.mtime_ns, b.mtime_ns);
  EXPECT_EQ(a.ctime_ns, b.ctime_ns);
  EXPECT_EQ(a.atime_ns, b.atime_ns);
  EXPECT_EQ(a.inode, b.inode);
  EXPECT_EQ(a.device, b.device);
  EXPECT_EQ(a.links, b.links);
  EXPECT_EQ(a.rdev, b.rdev);
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.content, b.content);
  ASSERT_EQ(a.extents.has_value(), b.extents.has_value());
  if (a.extents) {
    ASSERT_EQ(a.extents->size(), b.extents->size());
    for (size_t i = 0; i < a.extents->size(); ++i) {
      EXPECT_EQ((*a.extents)[i].offset, (*b.extents)[i].offset);
      EXPECT_EQ((*a.extents)[i].length, (*b.extents)[i].length);
    }
  }
  EXPECT_EQ(a.subtree, b.subtree);
  EXPECT_EQ(a.link_target, b.link_target);
  EXPECT_EQ(a.xattrs, b.xattrs);
}

TEST(TreeTest, RoundTripEveryField) {
  Tree t = full_tree();
  Bytes b = encode_tree(t);
  Tree out;
  std::string reason;
  ASSERT_TRUE(parse_tree(b, out, reason)) << reason;
  ASSERT_EQ(out.nodes.size(), t.nodes.size());
  for (size_t i = 0; i < t.nodes.size(); ++i) expect_same(t.nodes[i], out.nodes[i]);
  EXPECT_EQ(encode_tree(out), b) << "encoding is deterministic";
}

// The encoding through a JSON document (how trees were first written): the fast
// writer must produce the very same bytes, or unchanged directories would get new
// tree ids and lose deduplication against older snapshots.
Bytes reference_encoding(const Tree& tree) {
  auto bin = [](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    return json::binary_t(std::vector<uint8_t>(b, b + n));
  };
  json nodes = json::array();
  for (const auto& n : tree.nodes) {
    json j;
    j["name"] = bin(n.name.data(), n.name.size());
    j["type"] = node_type_name(n.type);
    j["mode"] = n.mode;
    j["uid"] = n.uid;
    j["gid"] = n.gid;
    if (!n.user.empty()) j["user"] = n.user;
    if (!n.group.empty()) j["group"] = n.group;
    j["mtime"] = n.mtime_ns;
    j["ctime"] = n.ctime_ns;
    j["atime"] = n.atime_ns;
    j["inode"] = n.inode;
    j["dev"] = n.device;
    j["links"] = n.links;
    if (n.rdev) j["rdev"] = n.rdev;
    j["size"] = n.size;
    if (n.type == NodeType::file) {
      json c = json::array();
      for (const auto& id : n.content) c.push_back(bin(id.data(), id.size()));
      j["content"] = std::move(c);
      if (n.extents) {
        json e = json::array();
        for (const auto& x : *n.extents) e.push_back(json::array({x.offset, x.length}));
        j["extents"] = std::move(e);
      }
    }
    if (n.subtree) j["subtree"] = bin(n.subtree->data(), 32);
    if (n.type == NodeType::symlink) j["target"] = bin(n.link_target.data(), n.link_target.size());
    if (!n.xattrs.empty()) {
      json x = json::array();
      for (const auto& [k, v] : n.xattrs)
        x.push_back(json::array({bin(k.data(), k.size()), bin(v.data(), v.size())}));
      j["xattrs"] = std::move(x);
    }
    nodes.push_back(std::move(j));
  }
  json root = {{"v", 1}, {"nodes", std::move(nodes)}};
  return json::to_msgpack(root);
}

TEST(TreeTest, EncodingMatchesDocumentEncoding) {
  EXPECT_EQ(encode_tree(full_tree()), reference_encoding(full_tree()));
  EXPECT_EQ(encode_tree(Tree{}), reference_encoding(Tree{}));
  // Every integer width and sign, long names, many entries and big xattrs.
  std::mt19937_64 rng(7);
  const int64_t edges[] = {0, 1, 31, 127, 128, 255, 256, 65535, 65536, 4294967295LL, 4294967296LL,
                           -1, -32, -33, -128, -129, -32768, -32769, -2147483648LL,
                           -2147483649LL, INT64_MIN, INT64_MAX};
  Tree t;
  for (int i = 0; i < 300; ++i) {
    Node n = base_node("n" + std::to_string(1000 + i) + std::string(i % 300, 'x'),
                       static_cast<NodeType>(i % 7));
    n.mtime_ns = edges[i % std::size(edges)];
    n.atime_ns = edges[(i + 3) % std::size(edges)];
    n.ctime_ns = static_cast<int64_t>(rng());
    n.inode = static_cast<uint64_t>(edges[(i + 5) % std::size(edges)]);
    n.uid = static_cast<uint32_t>(rng());
    n.size = rng() >> (i % 64);
    if (n.type == NodeType::dir) n.subtree = id_of(n.name);
    if (n.type == NodeType::file)
      for (int c = 0; c < i % 20; ++c) n.content.push_back(id_of(n.name + std::to_string(c)));
    if (n.type == NodeType::symlink) n.link_target = std::string(i * 3, 'l');
    if (n.type == NodeType::chardev) n.rdev = rng();
    if (i % 11 == 0) n.xattrs["user.big"] = Bytes(70000, 7);
    if (i % 13 == 0) n.user = std::string(40, 'u');
    t.nodes.push_back(std::move(n));
  }
  std::sort(t.nodes.begin(), t.nodes.end(), [](const Node& a, const Node& b) { return a.name < b.name; });
  EXPECT_EQ(encode_tree(t), reference_encoding(t));
  Tree back;
  std::string reason;
  ASSERT_TRUE(parse_tree(encode_tree(t), back, reason)) << reason;
  ASSERT_EQ(back.nodes.size(), t.nodes.size());
  for (size_t i = 0; i < t.nodes.size(); ++i) expect_same(t.nodes[i], back.nodes[i]);
}

TEST(TreeTest, EmptyTree) {
  Tree out;
  out.nodes.push_back(base_node("stale", NodeType::fifo));
  std::string reason;
  ASSERT_TRUE(parse_tree(encode_tree(Tree{}), out, reason)) << reason;
  EXPECT_TRUE(out.nodes.empty());
}

TEST(TreeTest, NodeTypeNames) {
  for (NodeType t : {NodeType::file, NodeType::dir, NodeType::symlink, NodeType::fifo,
                     NodeType::chardev, NodeType::blockdev, NodeType::socket})
    EXPECT_EQ(node_type_from_name(node_type_name(t)), t);
  EXPECT_EQ(node_type_from_name("door"), std::nullopt);
}

// Decodes a valid encoding to JSON, lets the test damage it, re-encodes.
class TreeRejectTest : public ::testing::Test {
 protected:
  json doc_ = json::from_msgpack(encode_tree(full_tree()));

  json& node(const std::string& name) {
    for (auto& n : doc_["nodes"]) {
      auto& b = n["name"].get_binary();
      if (std::string(b.begin(), b.end()) == name) return n;
    }
    throw std::runtime_error("no node " + name);
  }
  static json name_bin(const std::string& s) {
    return json::binary_t(std::vector<uint8_t>(s.begin(), s.end()));
  }
  std::string rejects(const json& doc) {
    Tree out;
    std::string reason;
    bool ok = true;
    EXPECT_NO_THROW(ok = parse_tree(json::to_msgpack(doc), out, reason));
    EXPECT_FALSE(ok);
    EXPECT_FALSE(reason.empty());
    return reason;
  }
  std::string rejects() { return rejects(doc_); }
  void accepts() {
    Tree out;
    std::string reason;
    EXPECT_TRUE(parse_tree(json::to_msgpack(doc_), out, reason)) << reason;
  }
};

TEST_F(TreeRejectTest, BaselineAccepted) { accepts(); }

TEST_F(TreeRejectTest, UnsortedAndDuplicateNames) {
  auto& nodes = doc_["nodes"];
  std::swap(nodes[0], nodes[1]);
  EXPECT_NE(rejects().find("sorted"), std::string::npos);
  std::swap(nodes[0], nodes[1]);
  nodes[1] = nodes[0];
  EXPECT_NE(rejects().find("unique"), std::string::npos);
}

TEST_F(TreeRejectTest, BadNames) {
  for (std::string bad : {std::string(""), std::string("."), std::string(".."), std::string("a/b"),
                          std::string("/"), std::string("x\0y", 3)}) {
    json d = doc_;
    d["nodes"] = json::array({node("fifo")});
    d["nodes"][0]["name"] = name_bin(bad);
    EXPECT_EQ(rejects(d), "node has an invalid name") << bad;
  }
  json d = doc_;
  d["nodes"][0]["name"] = "text-not-binary";
  rejects(d);
  d["nodes"][0].erase("name");
  rejects(d);
}

TEST_F(TreeRejectTest, MissingOrBadFields) {
  for (const char* field : {"type", "mode", "uid", "gid", "mtime", "size"}) {
    json d = doc_;
    d["nodes"][3].erase(field);
    rejects(d);
    d = doc_;
    d["nodes"][3][field] = 1.5;
    rejects(d);
    d = doc_;
    d["nodes"][3][field] = "12";
    rejects(d);
  }
  for (const char* optional : {"ctime", "atime", "inode", "dev", "links", "rdev", "user", "group",
                               "xattrs"}) {
    json d = doc_;
    for (auto& n : d["nodes"]) n.erase(optional);
    Tree out;
    std::string reason;
    EXPECT_TRUE(parse_tree(json::to_msgpack(d), out, reason)) << optional << ": " << reason;
  }
  node("fifo")["type"] = "door";
  EXPECT_NE(rejects().find("unknown type"), std::string::npos);
}

TEST_F(TreeRejectTest, BadModeBits) {
  node("fifo")["mode"] = 010000;
  EXPECT_NE(rejects().find("mode"), std::string::npos);
}

TEST_F(TreeRejectTest, BadIds) {
  json d = doc_;
  auto& file = node("file");
  file["content"][1] = json::binary_t(std::vector<uint8_t>(31, 1));
  EXPECT_NE(rejects().find("bad content id"), std::string::npos);
  file["content"][1] = json::binary_t(std::vector<uint8_t>(33, 1));
  rejects();
  file["content"][1] = "00112233";
  rejects();
  file["content"] = json::binary_t(std::vector<uint8_t>(32, 1));
  rejects();
  file.erase("content");
  EXPECT_NE(rejects().find("no content"), std::string::npos);

  doc_ = d;
  node("dir")["subtree"] = json::binary_t(std::vector<uint8_t>(16, 0));
  EXPECT_NE(rejects().find("subtree"), std::string::npos);
  node("dir").erase("subtree");
  EXPECT_NE(rejects().find("no subtree"), std::string::npos);
}

TEST_F(TreeRejectTest, BadSymlinkAndXattrs) {
  json d = doc_;
  node("link").erase("target");
  EXPECT_NE(rejects().find("no target"), std::string::npos);
  doc_ = d;
  node("dir")["xattrs"] = json::object();
  rejects();
  doc_ = d;
  node("dir")["xattrs"][0] = json::array({name_bin("k")});
  rejects();
  doc_ = d;
  node("dir")["xattrs"][0] = json::array({name_bin("k"), "text"});
  rejects();
}

TEST_F(TreeRejectTest, BadExtents) {
  json d = doc_;
  auto& sparse = node("sparse");
  sparse["extents"] = json::array({json::array({4096, 100}), json::array({0, 10})});
  EXPECT_NE(rejects().find("extents"), std::string::npos);  // out of order
  sparse["extents"] = json::array({json::array({0, 200}), json::array({100, 10})});
  rejects();  // overlapping
  sparse["extents"] = json::array({json::array({(10 << 20) - 1, 2})});
  rejects();  // beyond size
  sparse["extents"] = json::array({json::array({~0ull, 2})});
  rejects();  // overflow
  sparse["extents"] = json::array({json::array({-1, 2})});
  rejects();
  sparse["extents"] = json::array({json::array({1, 2, 3})});
  rejects();
  sparse["extents"] = "none";
  rejects();
}

TEST_F(TreeRejectTest, VersionAndShape) {
  json d = doc_;
  d["v"] = 2;
  EXPECT_EQ(rejects(d), "unsupported tree version");
  d.erase("v");
  rejects(d);
  d = doc_;
  d["nodes"] = json::object();
  EXPECT_EQ(rejects(d), "tree has no node list");
  d["nodes"] = json::array({1, 2});
  rejects(d);
  rejects(json::array({1, 2, 3}));
  rejects(json("just a string"));
}

TEST(TreeGarbageTest, GarbageBytesNeverThrow) {
  Bytes valid = encode_tree(full_tree());
  std::vector<Bytes> inputs = {Bytes{}, Bytes{0xc1}, Bytes{0xff, 0xff, 0xff},
                               Bytes(valid.begin(), valid.begin() + valid.size() / 2),
                               testing::random_data(1000, 21)};
  // Every truncation and single-byte corruption of a valid tree.
  for (size_t len = 0; len < valid.size(); len += 7) inputs.emplace_back(valid.begin(), valid.begin() + len);
  for (size_t i = 0; i < valid.size(); i += 5) {
    Bytes b = valid;
    b[i] ^= 0x5a;
    inputs.push_back(b);
  }
  Bytes trailing = valid;
  trailing.push_back(0xc0);
  inputs.push_back(trailing);
  for (const auto& in : inputs) {
    Tree out;
    std::string reason;
    bool ok = false;
    EXPECT_NO_THROW(ok = parse_tree(in, out, reason));
    if (!ok) {
      EXPECT_FALSE(reason.empty());
    }
  }
  // Trailing bytes after the top-level map are rejected (strict decoding).
  Tree out;
  std::string reason;
  EXPECT_FALSE(parse_tree(trailing, out, reason));
}

}  // namespace
}  // namespace strata::repo
