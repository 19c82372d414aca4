// Unit tests for hex/base64 codecs and little-endian helpers.
#include <gtest/gtest.h>

#include "common/bytes.h"
#include "common/time_util.h"

using namespace strata;

TEST(Bytes, HexRoundTrip) {
  Bytes in = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(in), "0001abff");
  Bytes out;
  ASSERT_TRUE(from_hex("0001ABff", out));
  EXPECT_EQ(out, in);
  EXPECT_FALSE(from_hex("abc", out));
  EXPECT_FALSE(from_hex("zz", out));
}

TEST(Bytes, Base64RoundTrip) {
  for (size_t n = 0; n < 20; ++n) {
    Bytes in;
    for (size_t i = 0; i < n; ++i) in.push_back(static_cast<uint8_t>(i * 37 + 5));
    Bytes out;
    ASSERT_TRUE(from_base64(to_base64(in), out)) << n;
    EXPECT_EQ(out, in);
  }
  Bytes out;
  EXPECT_FALSE(from_base64("a===", out));
  EXPECT_FALSE(from_base64("ab$=", out));
}

TEST(Time, Rfc3339RoundTrip) {
  int64_t t = 1764071341123456789LL;
  auto s = format_rfc3339(t);
  auto back = parse_rfc3339(s);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, t);
  EXPECT_FALSE(parse_rfc3339("2026-13-01"));
  EXPECT_TRUE(parse_rfc3339("2026-11-25 10:00:00"));
}

TEST(Time, Durations) {
  EXPECT_EQ(*parse_duration_ns("2d"), 2LL * 86400 * 1000000000);
  EXPECT_EQ(*parse_duration_ns("1y2m"), (365LL + 60) * 86400 * 1000000000);
  EXPECT_FALSE(parse_duration_ns("5x"));
  EXPECT_FALSE(parse_duration_ns(""));
}
