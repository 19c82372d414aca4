// strata.yaml as data: every key the file may hold, with its type, range, default,
// the command-line flag and environment variable that override it, and one line of
// documentation. The file is checked against this table (config_file.cpp: unknown
// keys, wrong types and values outside a range are refused with file, line and
// key), and a test checks that docs/config.md names every key and docs/cli.md
// every flag. A key added to the file format is added here first.
#pragma once
#include <string>
#include <vector>

#include "config/number.h"

namespace strata::config {

enum class ValueType {
  text,           // a string
  path,           // a string; relative paths are relative to the file's directory
  whole,          // an integer within `whole_range`
  duration,       // "30d", "12h" within `duration_range`
  amount,         // a decimal number from 0 to 1e9 (prices, hours)
  boolean,        // true or false
  mapping,        // a mapping whose keys are listed in the table
  named_mapping,  // a mapping of user-chosen names (the table has "<key>.*")
  list_of_text,   // a sequence of strings
  list_of_mapping,  // a sequence of mappings (the table has "<key>[]" entries)
  reserved,       // accepted as anything: read by a later part of Strata (the daemon)
};

// One key. `path` spells the key as the file nests it: "postgres.stanzas.*.port"
// ("*" stands for a user-chosen name, "[]" for every element of a list).
struct KeySpec {
  std::string path;
  ValueType type;
  std::string doc;
  std::string default_text;  // as docs/config.md shows it; empty: no default
  std::string flag;          // overriding command-line option, e.g. "--pgport"
  std::string env;           // overriding environment variable, e.g. "STRATA_REPOSITORY"
  WholeRange whole_range{0, 0};
  DurationRange duration_range{0, 0};
};

// Every key of strata.yaml, parents before their children.
const std::vector<KeySpec>& schema();

// The entry for a key pattern, or nullptr.
const KeySpec* find_key(const std::string& path);

// The keys directly below `parent` ("" for the top level), "*" entries left out.
std::vector<std::string> child_names(const std::string& parent);

}  // namespace strata::config
