// Argon2id: reference vector, determinism and parameter errors.
#include <gtest/gtest.h>

#include "common/error.h"
#include "crypto/argon2.h"

using namespace strata;
using namespace strata::crypto;

namespace {
const Argon2Params kFast{.time_cost = 1, .memory_kib = 8 * 1024, .parallelism = 1};
}  // namespace

TEST(Argon2id, ReferenceVector) {
  // libargon2 test.c: Argon2id v1.3, t=2, m=2^16 KiB, p=1, "password"/"somesalt".
  Bytes out = argon2id("password", as_bytes("somesalt"),
                       {.time_cost = 2, .memory_kib = 1 << 16, .parallelism = 1}, 32);
  EXPECT_EQ(to_hex(out), "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7");
}

TEST(Argon2id, DeterministicForSameSalt) {
  Bytes salt(16, 0x42);
  Bytes a = argon2id("correct horse", salt, kFast, 32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, argon2id("correct horse", salt, kFast, 32));
  EXPECT_NE(a, argon2id("correct horse", Bytes(16, 0x43), kFast, 32));
  EXPECT_NE(a, argon2id("correct horsf", salt, kFast, 32));
}

TEST(Argon2id, BadParamsThrowUsage) {
  Bytes salt(16, 1);
  auto code = [&](const Argon2Params& p, ByteView s) {
    try {
      argon2id("pw", s, p, 32);
    } catch (const Error& e) {
      return e.code();
    }
    return ExitCode::ok;
  };
  EXPECT_EQ(code({.time_cost = 0, .memory_kib = 8192, .parallelism = 1}, salt), ExitCode::usage);
  EXPECT_EQ(code({.time_cost = 1, .memory_kib = 1, .parallelism = 1}, salt), ExitCode::usage);
  EXPECT_EQ(code({.time_cost = 1, .memory_kib = 8192, .parallelism = 0}, salt), ExitCode::usage);
  EXPECT_EQ(code(kFast, Bytes(4, 1)), ExitCode::usage);  // salt too short
}
