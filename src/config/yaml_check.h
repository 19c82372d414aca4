// Checks a parsed strata.yaml against the schema (schema.h) before anything is
// read from it. Internal to config/.
#pragma once
#include <yaml-cpp/yaml.h>

#include <string>

namespace strata::config {

// Throws Error(usage) "FILE:LINE: KEY: what" at the first key that is unknown, of
// the wrong type or outside its range.
void check_against_schema(const YAML::Node& root, const std::string& file);

}  // namespace strata::config
