// Values written into postgresql.conf and postgresql.auto.conf (recovery settings
// of a restore, the settings of a scratch instance): one quoting rule for both.
#pragma once
#include <string>

namespace strata::source::postgres {

// A string setting for postgresql.conf: single-quoted, embedded quotes doubled
// ("it's" -> 'it''s'), which the server reads back unchanged.
inline std::string conf_quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += "''";
    else out += c;
  }
  return out + "'";
}

}  // namespace strata::source::postgres
