// JSON renderings of snapshots and tree nodes shared by the listing commands.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "repo/snapshot.h"
#include "repo/tree.h"

namespace strata::cli {

nlohmann::json snapshot_json(const repo::Snapshot& s);
nlohmann::json node_json(const std::string& path, const repo::Node& n);
// Dumps with invalid UTF-8 replaced (file names may be arbitrary bytes).
std::string dump_json(const nlohmann::json& j);

}  // namespace strata::cli
