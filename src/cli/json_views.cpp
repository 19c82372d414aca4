// JSON renderings of snapshots and tree nodes (see json_views.h).
#include "cli/json_views.h"

#include "common/time_util.h"

namespace strata::cli {

nlohmann::json snapshot_json(const repo::Snapshot& s) {
  nlohmann::json j = nlohmann::json::parse(s.to_json_text());
  j.erase("version");
  j["id"] = s.id;
  j["short_id"] = s.id.substr(0, 8);
  return j;
}

nlohmann::json node_json(const std::string& path, const repo::Node& n) {
  nlohmann::json j = {{"path", path},
                      {"name", n.name},
                      {"type", repo::node_type_name(n.type)},
                      {"mode", n.mode},
                      {"uid", n.uid},
                      {"gid", n.gid},
                      {"user", n.user},
                      {"group", n.group},
                      {"size", n.size},
                      {"mtime", format_rfc3339(n.mtime_ns)},
                      {"inode", n.inode},
                      {"links", n.links}};
  if (n.type == repo::NodeType::symlink) j["link_target"] = n.link_target;
  if (n.type == repo::NodeType::file) j["chunks"] = n.content.size();
  return j;
}

std::string dump_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace strata::cli
