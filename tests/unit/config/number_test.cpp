// Parsing of user-typed numbers: every out-of-range, negative, huge or non-numeric
// value is Error(usage) naming the setting and the range.
#include "config/number.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "config/ranges.h"

namespace strata::config {
namespace {

std::string usage_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(ParseWhole, AcceptsTheRangeInclusive) {
  EXPECT_EQ(parse_whole("1", "--keep-last", kKeepCount), 1);
  EXPECT_EQ(parse_whole("1000000", "--keep-last", kKeepCount), 1000000);
  EXPECT_EQ(parse_whole("0", "--retry-lock", kLockWaitSeconds), 0);
  EXPECT_EQ(parse_whole("-3", "x", WholeRange{-5, 5}), -3);
}

TEST(ParseWhole, RefusesWhatCouldDeleteData) {
  for (const char* bad : {"-1", "0", "-5", "1000001", "99999999999999999999999", "abc", "", "1.5", "+1", " 1",
                          "1 ", "0x10", "1e3", "--1", "-"}) {
    std::string msg = usage_message([&] { parse_whole(bad, "--keep-last", kKeepCount); });
    EXPECT_EQ(msg, std::string("--keep-last: must be a whole number from 1 to 1000000, got '") + bad + "'");
  }
}

TEST(ParseDuration, UnitsAndRange) {
  EXPECT_EQ(parse_duration("30d", "--keep-within", kKeepWithin), 30 * 86400 * kSecondNs);
  EXPECT_EQ(parse_duration("1y6m", "--keep-within", kKeepWithin), kYearNs + 180 * 86400 * kSecondNs);
  for (const char* bad : {"-1d", "0", "0d", "1", "abc", "", "99999999999999999999d", "101y", "5x"}) {
    std::string msg = usage_message([&] { parse_duration(bad, "--keep-within", kKeepWithin); });
    EXPECT_NE(msg.find("--keep-within: must be a duration from 1s to 100y"), std::string::npos) << msg;
  }
}

TEST(ParsePercent, WithOrWithoutSign) {
  EXPECT_DOUBLE_EQ(parse_percent("10", "--max-unused", kMaxUnused), 10);
  EXPECT_DOUBLE_EQ(parse_percent("2.5%", "--max-unused", kMaxUnused), 2.5);
  EXPECT_DOUBLE_EQ(parse_percent("0", "--max-unused", kMaxUnused), 0);
  EXPECT_DOUBLE_EQ(parse_percent("100%", "--max-unused", kMaxUnused), 100);
  for (const char* bad : {"-1", "200", "100.5", "abc", "", "%", "1e2", "nan", "inf", ".", "1..2"}) {
    std::string msg = usage_message([&] { parse_percent(bad, "--max-unused", kMaxUnused); });
    EXPECT_EQ(msg, std::string("--max-unused: must be a percentage from 0% to 100%, got '") + bad + "'");
  }
}

TEST(Describe, ShowsRangesAsTheDocsDo) {
  EXPECT_EQ(describe(kThreads), "1 to 256");
  EXPECT_EQ(describe(kPitrWindow), "1s to 100y");
  EXPECT_EQ(describe(kReadDataSubset), "0.01% to 100%");
}

}  // namespace
}  // namespace strata::config
