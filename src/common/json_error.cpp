// Short descriptions of nlohmann-json errors (see json_error.h).
#include "common/json_error.h"

namespace strata {

std::string describe_json_error(const nlohmann::json::exception& e) {
  using nlohmann::json;
  if (const auto* p = dynamic_cast<const json::parse_error*>(&e))
    return "not valid JSON (syntax error at byte " + std::to_string(p->byte) + ")";
  if (dynamic_cast<const json::out_of_range*>(&e)) return "a required field is missing";
  if (dynamic_cast<const json::type_error*>(&e)) return "a field has the wrong type";
  return "malformed JSON";
}

}  // namespace strata
