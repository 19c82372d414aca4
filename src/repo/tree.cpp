// MessagePack encoding and strict validation of tree objects.
#include "repo/tree.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "repo/msgpack_writer.h"

namespace strata::repo {

using nlohmann::json;

static const char* kTypeNames[] = {"file", "dir", "symlink", "fifo", "chardev", "blockdev", "socket"};

const char* node_type_name(NodeType t) { return kTypeNames[static_cast<int>(t)]; }

std::optional<NodeType> node_type_from_name(const std::string& s) {
  for (int i = 0; i < 7; ++i)
    if (s == kTypeNames[i]) return static_cast<NodeType>(i);
  return std::nullopt;
}

// Keys are written in sorted order with the smallest encodings, the form the
// format has always used (see msgpack_writer.h).
Bytes encode_tree(const Tree& tree) {
  Bytes out;
  out.reserve(64 + tree.nodes.size() * 200);
  MsgpackWriter w(out);
  w.map(2);
  w.str("nodes");
  w.array(tree.nodes.size());
  // key + value pairs; `present` false leaves an optional field out.
  auto put_uint = [&](const char* key, uint64_t v, bool present = true) {
    if (!present) return;
    w.str(key);
    w.uint(v);
  };
  auto put_sint = [&](const char* key, int64_t v) {
    w.str(key);
    w.sint(v);
  };
  auto put_text = [&](const char* key, std::string_view v, bool present = true) {
    if (!present) return;
    w.str(key);
    w.str(v);
  };
  for (const auto& n : tree.nodes) {
    const bool file = n.type == NodeType::file;
    const bool link = n.type == NodeType::symlink;
    size_t fields = 12 + !n.user.empty() + !n.group.empty() + (n.rdev != 0) + file +
                    (file && n.extents) + n.subtree.has_value() + link + !n.xattrs.empty();
    w.map(fields);
    put_sint("atime", n.atime_ns);
    if (file) {
      w.str("content");
      w.array(n.content.size());
      for (const auto& id : n.content) w.bin(id.data(), id.size());
    }
    put_sint("ctime", n.ctime_ns);
    put_uint("dev", n.device);
    if (file && n.extents) {
      w.str("extents");
      w.array(n.extents->size());
      for (const auto& x : *n.extents) {
        w.array(2);
        w.uint(x.offset);
        w.uint(x.length);
      }
    }
    put_uint("gid", n.gid);
    put_text("group", n.group, !n.group.empty());
    put_uint("inode", n.inode);
    put_uint("links", n.links);
    put_uint("mode", n.mode);
    put_sint("mtime", n.mtime_ns);
    w.str("name");
    w.bin(n.name);
    put_uint("rdev", n.rdev, n.rdev != 0);
    put_uint("size", n.size);
    if (n.subtree) {
      w.str("subtree");
      w.bin(n.subtree->data(), n.subtree->size());
    }
    if (link) {
      w.str("target");
      w.bin(n.link_target);
    }
    put_text("type", node_type_name(n.type));
    put_uint("uid", n.uid);
    put_text("user", n.user, !n.user.empty());
    if (!n.xattrs.empty()) {
      w.str("xattrs");
      w.array(n.xattrs.size());
      for (const auto& [k, v] : n.xattrs) {
        w.array(2);
        w.bin(k);
        w.bin(v.data(), v.size());
      }
    }
  }
  w.str("v");
  w.uint(1);
  return out;
}

namespace {

// One scalar seen in the MessagePack stream, or a container where a scalar belongs.
struct Scalar {
  enum class Kind { absent, uint, sint, str, bin, other } kind = Kind::absent;
  uint64_t u = 0;
  int64_t i = 0;
  std::string text;  // str and bin payloads
};

// The fields of one node as read, before validation (validation needs all of them,
// and MessagePack maps may list keys in any order).
struct RawNode {
  Scalar name, type, mode, uid, gid, mtime, ctime, atime, inode, dev, links, rdev, size, user,
      group, subtree, target;
  enum class List { absent, not_array, array } content = List::absent, extents = List::absent,
                                               xattrs = List::absent;
  bool bad_content = false, bad_extent = false, bad_xattr = false;
  std::vector<BlobId> content_ids;
  std::vector<Extent> extent_list;
  std::vector<std::pair<std::string, Bytes>> xattr_list;

  Scalar* slot(const std::string& key) {
    static const std::pair<const char*, Scalar RawNode::*> kSlots[] = {
        {"name", &RawNode::name},   {"type", &RawNode::type},       {"mode", &RawNode::mode},
        {"uid", &RawNode::uid},     {"gid", &RawNode::gid},         {"mtime", &RawNode::mtime},
        {"ctime", &RawNode::ctime}, {"atime", &RawNode::atime},     {"inode", &RawNode::inode},
        {"dev", &RawNode::dev},     {"links", &RawNode::links},     {"rdev", &RawNode::rdev},
        {"size", &RawNode::size},   {"user", &RawNode::user},       {"group", &RawNode::group},
        {"subtree", &RawNode::subtree}, {"target", &RawNode::target}};
    for (const auto& [k, member] : kSlots)
      if (key == k) return &(this->*member);
    return nullptr;
  }
};

// Reads an integer field, refusing values outside T's range (no silent truncation).
template <class T>
bool get_num(const Scalar& v, T& out, bool required = true) {
  if (v.kind == Scalar::Kind::absent) return !required;
  if (v.kind == Scalar::Kind::uint) {
    if (v.u > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
    out = static_cast<T>(v.u);
    return true;
  }
  if (v.kind != Scalar::Kind::sint) return false;
  if (v.i < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
      (v.i > 0 && static_cast<uint64_t>(v.i) > static_cast<uint64_t>(std::numeric_limits<T>::max())))
    return false;
  out = static_cast<T>(v.i);
  return true;
}

bool get_id(const Scalar& v, BlobId& out) {
  if (v.kind != Scalar::Kind::bin || v.text.size() != 32) return false;
  std::memcpy(out.data(), v.text.data(), 32);
  return true;
}

bool build_node(RawNode& r, Node& n, std::string& reason) {
  using K = Scalar::Kind;
  if (r.name.kind != K::bin) { reason = "node has an invalid name"; return false; }
  n.name = std::move(r.name.text);
  if (n.name.empty() || n.name == "." || n.name == ".." || n.name.find('/') != std::string::npos ||
      n.name.find('\0') != std::string::npos) {
    reason = "node has an invalid name";
    return false;
  }
  if (r.type.kind != K::str) { reason = "node " + n.name + " has no type"; return false; }
  auto t = node_type_from_name(r.type.text);
  if (!t) { reason = "node " + n.name + " has an unknown type"; return false; }
  n.type = *t;
  if (!get_num(r.mode, n.mode) || !get_num(r.uid, n.uid) || !get_num(r.gid, n.gid) ||
      !get_num(r.mtime, n.mtime_ns) || !get_num(r.ctime, n.ctime_ns, false) ||
      !get_num(r.atime, n.atime_ns, false) || !get_num(r.inode, n.inode, false) ||
      !get_num(r.dev, n.device, false) || !get_num(r.links, n.links, false) ||
      !get_num(r.rdev, n.rdev, false) || !get_num(r.size, n.size)) {
    reason = "node " + n.name + " has a missing or non-integer field";
    return false;
  }
  if (n.mode > 07777) { reason = "node " + n.name + " has invalid mode bits"; return false; }
  if (r.user.kind == K::str) n.user = std::move(r.user.text);
  if (r.group.kind == K::str) n.group = std::move(r.group.text);
  if (n.type == NodeType::file) {
    if (r.content != RawNode::List::array) { reason = "file " + n.name + " has no content list"; return false; }
    if (r.bad_content) { reason = "file " + n.name + " has a bad content id"; return false; }
    n.content = std::move(r.content_ids);
    if (r.extents == RawNode::List::not_array) { reason = "file " + n.name + " has bad extents"; return false; }
    if (r.extents == RawNode::List::array) {
      if (r.bad_extent) { reason = "file " + n.name + " has a bad extent"; return false; }
      uint64_t end = 0;
      for (const auto& x : r.extent_list) {
        if (x.offset < end || x.length > n.size || x.offset > n.size - x.length) {
          reason = "file " + n.name + " has overlapping or out-of-range extents";
          return false;
        }
        end = x.offset + x.length;
      }
      n.extents = std::move(r.extent_list);
    }
  }
  if (r.subtree.kind != K::absent) {
    BlobId id;
    if (!get_id(r.subtree, id)) { reason = "dir " + n.name + " has a bad subtree id"; return false; }
    n.subtree = id;
  }
  if (n.type == NodeType::dir && !n.subtree) { reason = "dir " + n.name + " has no subtree"; return false; }
  if (n.type != NodeType::dir && n.subtree) { reason = "non-directory " + n.name + " has a subtree"; return false; }
  if (n.type == NodeType::symlink) {
    if (r.target.kind != K::bin) { reason = "symlink " + n.name + " has no target"; return false; }
    n.link_target = std::move(r.target.text);
  }
  if (r.xattrs == RawNode::List::not_array) { reason = "node " + n.name + " has bad xattrs"; return false; }
  if (r.bad_xattr) { reason = "node " + n.name + " has a bad xattr"; return false; }
  for (auto& [k, v] : r.xattr_list) n.xattrs[k] = std::move(v);
  return true;
}

// Streams the MessagePack events of a tree (nlohmann's SAX interface) straight into
// Nodes, without building a document: trees are read for every directory of every
// re-backup and restore. Semantics match a document parse: unknown keys are
// ignored, a repeated key keeps its last value.
class TreeReader {
 public:
  using J = nlohmann::json;
  explicit TreeReader(Tree& out) : out_(out) {}

  bool null() { return scalar(Scalar{}); }
  bool boolean(bool) { return scalar(other()); }
  bool number_integer(J::number_integer_t v) {
    Scalar s;
    s.kind = Scalar::Kind::sint;
    s.i = v;
    return scalar(std::move(s));
  }
  bool number_unsigned(J::number_unsigned_t v) {
    Scalar s;
    s.kind = Scalar::Kind::uint;
    s.u = v;
    return scalar(std::move(s));
  }
  bool number_float(J::number_float_t, const J::string_t&) { return scalar(other()); }
  bool string(J::string_t& v) {
    Scalar s;
    s.kind = Scalar::Kind::str;
    s.text = std::move(v);
    return scalar(std::move(s));
  }
  bool binary(J::binary_t& v) {
    Scalar s;
    s.kind = Scalar::Kind::bin;
    s.text.assign(v.begin(), v.end());
    return scalar(std::move(s));
  }
  bool start_object(std::size_t) { return open(true); }
  bool start_array(std::size_t) { return open(false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(J::string_t& k) {
    stack_.back().key = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

  // After a complete parse: the first problem in document order, or empty.
  std::string verdict() const {
    if (!root_seen_) return "tree is not valid MessagePack";
    int version = 0;
    if (!get_num(version_, version) || version != 1) return "unsupported tree version";
    if (nodes_ != Nodes::array) return "tree has no node list";
    return first_error_;
  }

 private:
  enum class Ctx { root, nodes, node, content, extents, extent, xattrs, xattr, skip };
  enum class Nodes { absent, not_array, array };
  struct Frame {
    Ctx ctx;
    std::string key;             // maps: the key whose value comes next
    std::vector<Scalar> items;   // extent / xattr pairs
  };

  static Scalar other() {
    Scalar s;
    s.kind = Scalar::Kind::other;
    return s;
  }
  void fail(std::string reason) {
    if (first_error_.empty()) first_error_ = std::move(reason);
  }

  bool scalar(Scalar v) {
    if (stack_.empty()) return false;  // the root must be a map
    Frame& f = stack_.back();
    switch (f.ctx) {
      case Ctx::root:
        if (f.key == "v") version_ = std::move(v);
        else if (f.key == "nodes") nodes_ = Nodes::not_array;
        break;
      case Ctx::nodes: fail("node is not a map"); break;
      case Ctx::node:
        if (Scalar* s = node_.slot(f.key)) *s = std::move(v);
        else if (f.key == "content") node_.content = RawNode::List::not_array;
        else if (f.key == "extents") node_.extents = RawNode::List::not_array;
        else if (f.key == "xattrs") node_.xattrs = RawNode::List::not_array;
        break;
      case Ctx::content: {
        BlobId id;
        if (get_id(v, id)) node_.content_ids.push_back(id);
        else node_.bad_content = true;
        break;
      }
      case Ctx::extents: node_.bad_extent = true; break;
      case Ctx::xattrs: node_.bad_xattr = true; break;
      case Ctx::extent:
      case Ctx::xattr: f.items.push_back(std::move(v)); break;
      case Ctx::skip: break;
    }
    return true;
  }

  bool open(bool is_map) {
    if (stack_.empty()) {
      if (!is_map) return false;
      root_seen_ = true;
      stack_.push_back({Ctx::root, {}, {}});
      return true;
    }
    Frame& f = stack_.back();
    Ctx next = Ctx::skip;
    switch (f.ctx) {
      case Ctx::root:
        if (f.key == "v") {
          version_ = other();
        } else if (f.key == "nodes") {
          nodes_ = is_map ? Nodes::not_array : Nodes::array;
          if (!is_map) {
            out_.nodes.clear();
            first_error_.clear();
            next = Ctx::nodes;
          }
        }
        break;
      case Ctx::nodes:
        if (is_map) {
          node_ = RawNode();
          next = Ctx::node;
        } else {
          fail("node is not a map");
        }
        break;
      case Ctx::node:
        if (f.key == "content") {
          node_.content = is_map ? RawNode::List::not_array : RawNode::List::array;
          node_.content_ids.clear();
          node_.bad_content = false;
          if (!is_map) next = Ctx::content;
        } else if (f.key == "extents") {
          node_.extents = is_map ? RawNode::List::not_array : RawNode::List::array;
          node_.extent_list.clear();
          node_.bad_extent = false;
          if (!is_map) next = Ctx::extents;
        } else if (f.key == "xattrs") {
          node_.xattrs = is_map ? RawNode::List::not_array : RawNode::List::array;
          node_.xattr_list.clear();
          node_.bad_xattr = false;
          if (!is_map) next = Ctx::xattrs;
        } else if (Scalar* s = node_.slot(f.key)) {
          *s = other();
        }
        break;
      case Ctx::content: node_.bad_content = true; break;
      case Ctx::extents:
        if (!is_map) next = Ctx::extent;
        else node_.bad_extent = true;
        break;
      case Ctx::xattrs:
        if (!is_map) next = Ctx::xattr;
        else node_.bad_xattr = true;
        break;
      case Ctx::extent:
      case Ctx::xattr:
        f.items.push_back(other());
        break;
      case Ctx::skip: break;
    }
    stack_.push_back({next, {}, {}});
    return true;
  }

  bool close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    using K = Scalar::Kind;
    if (f.ctx == Ctx::extent) {
      if (f.items.size() == 2 && f.items[0].kind == K::uint && f.items[1].kind == K::uint)
        node_.extent_list.push_back({f.items[0].u, f.items[1].u});
      else
        node_.bad_extent = true;
    } else if (f.ctx == Ctx::xattr) {
      if (f.items.size() == 2 && f.items[0].kind == K::bin && f.items[1].kind == K::bin)
        node_.xattr_list.emplace_back(std::move(f.items[0].text),
                                      Bytes(f.items[1].text.begin(), f.items[1].text.end()));
      else
        node_.bad_xattr = true;
    } else if (f.ctx == Ctx::node) {
      Node n;
      std::string reason;
      if (!build_node(node_, n, reason)) {
        fail(reason);
      } else if (first_error_.empty()) {
        if (!out_.nodes.empty() && !(out_.nodes.back().name < n.name))
          fail("tree nodes are not sorted and unique");
        else
          out_.nodes.push_back(std::move(n));
      }
    }
    return true;
  }

  Tree& out_;
  std::vector<Frame> stack_;
  RawNode node_;
  bool root_seen_ = false;
  Scalar version_;
  Nodes nodes_ = Nodes::absent;
  std::string first_error_;
};

}  // namespace

bool parse_tree(ByteView bytes, Tree& out, std::string& reason) {
  out.nodes.clear();
  TreeReader reader(out);
  bool parsed = false;
  try {
    parsed = json::sax_parse(bytes.begin(), bytes.end(), &reader, json::input_format_t::msgpack, true);
  } catch (const std::exception&) {
    parsed = false;
  }
  reason = parsed ? reader.verdict() : "tree is not valid MessagePack";
  if (reason.empty()) return true;
  out.nodes.clear();
  return false;
}

}  // namespace strata::repo
