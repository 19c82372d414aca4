// describe_json_error: each kind of nlohmann-json error becomes a short phrase
// without the library's "[json.exception...]" text.
#include <gtest/gtest.h>

#include "common/json_error.h"

namespace strata {
namespace {

using nlohmann::json;

template <class F>
std::string described(F&& f) {
  try {
    f();
  } catch (const json::exception& e) {
    return describe_json_error(e);
  }
  return "no error";
}

TEST(JsonErrorTest, EachKindIsAShortPhrase) {
  EXPECT_EQ(described([] { json x = json::parse("garbage"); }), "not valid JSON (syntax error at byte 1)");
  EXPECT_EQ(described([] { json x = json::parse(R"({"a":1)"); }), "not valid JSON (syntax error at byte 7)");
  json j = json::parse(R"({"a":"text"})");
  EXPECT_EQ(described([&] { (void)j.at("b"); }), "a required field is missing");
  EXPECT_EQ(described([&] { (void)j.at("a").get<int>(); }), "a field has the wrong type");
}

}  // namespace
}  // namespace strata
