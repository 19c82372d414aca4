// MessagePack encoding and strict validation of tree objects.
#include "repo/tree.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

namespace strata::repo {

using nlohmann::json;

static const char* kTypeNames[] = {"file", "dir", "symlink", "fifo", "chardev", "blockdev", "socket"};

const char* node_type_name(NodeType t) { return kTypeNames[static_cast<int>(t)]; }

std::optional<NodeType> node_type_from_name(const std::string& s) {
  for (int i = 0; i < 7; ++i)
    if (s == kTypeNames[i]) return static_cast<NodeType>(i);
  return std::nullopt;
}

static json::binary_t bin(const BlobId& id) { return json::binary_t(std::vector<uint8_t>(id.begin(), id.end())); }

Bytes encode_tree(const Tree& tree) {
  json nodes = json::array();
  for (const auto& n : tree.nodes) {
    json j;
    j["name"] = json::binary_t(std::vector<uint8_t>(n.name.begin(), n.name.end()));
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
      for (const auto& id : n.content) c.push_back(bin(id));
      j["content"] = std::move(c);
      if (n.extents) {
        json e = json::array();
        for (const auto& x : *n.extents) e.push_back(json::array({x.offset, x.length}));
        j["extents"] = std::move(e);
      }
    }
    if (n.subtree) j["subtree"] = bin(*n.subtree);
    if (n.type == NodeType::symlink)
      j["target"] = json::binary_t(std::vector<uint8_t>(n.link_target.begin(), n.link_target.end()));
    if (!n.xattrs.empty()) {
      json x = json::array();
      for (const auto& [k, v] : n.xattrs)
        x.push_back(json::array({json::binary_t(std::vector<uint8_t>(k.begin(), k.end())),
                                 json::binary_t(v)}));
      j["xattrs"] = std::move(x);
    }
    nodes.push_back(std::move(j));
  }
  json root = {{"v", 1}, {"nodes", std::move(nodes)}};
  return json::to_msgpack(root);
}

namespace {

bool get_id(const json& v, BlobId& out) {
  if (!v.is_binary() || v.get_binary().size() != 32) return false;
  std::memcpy(out.data(), v.get_binary().data(), 32);
  return true;
}

bool get_text(const json& v, std::string& out) {
  if (!v.is_binary()) return false;
  out.assign(v.get_binary().begin(), v.get_binary().end());
  return true;
}

// Reads an integer field, refusing values outside T's range (no silent truncation).
template <class T>
bool get_num(const json& j, const char* key, T& out, bool required = true) {
  auto it = j.find(key);
  if (it == j.end()) return !required;
  if (it->is_number_unsigned()) {
    uint64_t v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
    out = static_cast<T>(v);
    return true;
  }
  if (!it->is_number_integer()) return false;
  int64_t v = it->get<int64_t>();
  if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
      (v > 0 && static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max())))
    return false;
  out = static_cast<T>(v);
  return true;
}

bool parse_node(const json& j, Node& n, std::string& reason) {
  if (!j.is_object()) { reason = "node is not a map"; return false; }
  auto name = j.find("name");
  if (name == j.end() || !get_text(*name, n.name) || n.name.empty() || n.name == "." ||
      n.name == ".." || n.name.find('/') != std::string::npos ||
      n.name.find('\0') != std::string::npos) {
    reason = "node has an invalid name";
    return false;
  }
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) { reason = "node " + n.name + " has no type"; return false; }
  auto t = node_type_from_name(type->get<std::string>());
  if (!t) { reason = "node " + n.name + " has an unknown type"; return false; }
  n.type = *t;
  if (!get_num(j, "mode", n.mode) || !get_num(j, "uid", n.uid) || !get_num(j, "gid", n.gid) ||
      !get_num(j, "mtime", n.mtime_ns) || !get_num(j, "ctime", n.ctime_ns, false) ||
      !get_num(j, "atime", n.atime_ns, false) || !get_num(j, "inode", n.inode, false) ||
      !get_num(j, "dev", n.device, false) || !get_num(j, "links", n.links, false) ||
      !get_num(j, "rdev", n.rdev, false) || !get_num(j, "size", n.size)) {
    reason = "node " + n.name + " has a missing or non-integer field";
    return false;
  }
  if (n.mode > 07777) { reason = "node " + n.name + " has invalid mode bits"; return false; }
  if (auto u = j.find("user"); u != j.end() && u->is_string()) n.user = u->get<std::string>();
  if (auto g = j.find("group"); g != j.end() && g->is_string()) n.group = g->get<std::string>();
  if (n.type == NodeType::file) {
    auto c = j.find("content");
    if (c == j.end() || !c->is_array()) { reason = "file " + n.name + " has no content list"; return false; }
    for (const auto& v : *c) {
      BlobId id;
      if (!get_id(v, id)) { reason = "file " + n.name + " has a bad content id"; return false; }
      n.content.push_back(id);
    }
    if (auto e = j.find("extents"); e != j.end()) {
      if (!e->is_array()) { reason = "file " + n.name + " has bad extents"; return false; }
      std::vector<Extent> ex;
      uint64_t end = 0;
      for (const auto& v : *e) {
        if (!v.is_array() || v.size() != 2 || !v[0].is_number_unsigned() || !v[1].is_number_unsigned()) {
          reason = "file " + n.name + " has a bad extent";
          return false;
        }
        Extent x{v[0].get<uint64_t>(), v[1].get<uint64_t>()};
        if (x.offset < end || x.length > n.size || x.offset > n.size - x.length) {
          reason = "file " + n.name + " has overlapping or out-of-range extents";
          return false;
        }
        end = x.offset + x.length;
        ex.push_back(x);
      }
      n.extents = std::move(ex);
    }
  }
  if (auto s = j.find("subtree"); s != j.end()) {
    BlobId id;
    if (!get_id(*s, id)) { reason = "dir " + n.name + " has a bad subtree id"; return false; }
    n.subtree = id;
  }
  if (n.type == NodeType::dir && !n.subtree) { reason = "dir " + n.name + " has no subtree"; return false; }
  if (n.type != NodeType::dir && n.subtree) { reason = "non-directory " + n.name + " has a subtree"; return false; }
  if (n.type == NodeType::symlink) {
    auto t2 = j.find("target");
    if (t2 == j.end() || !get_text(*t2, n.link_target)) {
      reason = "symlink " + n.name + " has no target";
      return false;
    }
  }
  if (auto x = j.find("xattrs"); x != j.end()) {
    if (!x->is_array()) { reason = "node " + n.name + " has bad xattrs"; return false; }
    for (const auto& kv : *x) {
      std::string k;
      if (!kv.is_array() || kv.size() != 2 || !get_text(kv[0], k) || !kv[1].is_binary()) {
        reason = "node " + n.name + " has a bad xattr";
        return false;
      }
      n.xattrs[k] = Bytes(kv[1].get_binary().begin(), kv[1].get_binary().end());
    }
  }
  return true;
}

}  // namespace

bool parse_tree(ByteView bytes, Tree& out, std::string& reason) {
  out.nodes.clear();
  json root = json::from_msgpack(bytes.begin(), bytes.end(), true, false);
  if (root.is_discarded() || !root.is_object()) {
    reason = "tree is not valid MessagePack";
    return false;
  }
  int version = 0;
  if (!get_num(root, "v", version) || version != 1) {
    reason = "unsupported tree version";
    return false;
  }
  auto nodes = root.find("nodes");
  if (nodes == root.end() || !nodes->is_array()) {
    reason = "tree has no node list";
    return false;
  }
  for (const auto& j : *nodes) {
    Node n;
    if (!parse_node(j, n, reason)) return false;
    if (!out.nodes.empty() && !(out.nodes.back().name < n.name)) {
      reason = "tree nodes are not sorted and unique";
      return false;
    }
    out.nodes.push_back(std::move(n));
  }
  return true;
}

}  // namespace strata::repo
