// One short phrase for a JSON parse or access error, for messages that name the
// object that failed ("repository config /x/config is corrupt: not valid JSON
// (syntax error at byte 1)"): nlohmann-json's own text ("[json.exception.
// parse_error.101] parse error at line 1, column 1: ...") is not for operators.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace strata {

// By the exception's type: parse error (with the byte), missing field, field of
// the wrong type, anything else.
std::string describe_json_error(const nlohmann::json::exception& e);

}  // namespace strata
