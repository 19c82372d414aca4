// Known-answer and concurrency tests for SHA-256, HMAC-SHA-256, HKDF and random bytes.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "common/error.h"
#include "crypto/hash.h"
#include "crypto/random.h"

using namespace strata;
using namespace strata::crypto;

namespace {

Bytes hex(std::string_view h) {
  Bytes out;
  EXPECT_TRUE(from_hex(h, out)) << h;
  return out;
}

std::string hex_of(const Digest& d) { return to_hex(d); }

}  // namespace

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(hex_of(sha256(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_of(sha256({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, StreamMatchesOneShotAndResets) {
  Bytes data(100000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31 + 7);
  Sha256Stream s;
  ByteView view = data;
  s.update(view.first(1));
  s.update(view.subspan(1, 4095));
  s.update(view.subspan(4096));
  EXPECT_EQ(s.finish(), sha256(data));
  s.update(as_bytes("abc"));
  EXPECT_EQ(hex_of(s.finish()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HmacSha256, Rfc4231TestCases1And2) {
  Bytes key1(20, 0x0b);
  const char* tc1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
  EXPECT_EQ(hex_of(hmac_sha256(key1, as_bytes("Hi There"))), tc1);
  EXPECT_EQ(hex_of(HmacSha256(key1).mac(as_bytes("Hi There"))), tc1);

  const char* tc2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  ByteView jefe = as_bytes("Jefe");
  ByteView msg = as_bytes("what do ya want for nothing?");
  EXPECT_EQ(hex_of(hmac_sha256(jefe, msg)), tc2);
  HmacSha256 h(jefe);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(hex_of(h.mac(msg)), tc2) << "call " << i;
}

TEST(HmacSha256, LongKeyAndEmptyInputs) {
  // RFC 4231 test case 6: a 131-byte key is hashed first.
  Bytes key(131, 0xaa);
  ByteView msg = as_bytes("Test Using Larger Than Block-Size Key - Hash Key First");
  const char* tc6 = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
  EXPECT_EQ(hex_of(hmac_sha256(key, msg)), tc6);
  EXPECT_EQ(hex_of(HmacSha256(key).mac(msg)), tc6);
  EXPECT_EQ(HmacSha256({}).mac({}), hmac_sha256({}, {}));
  EXPECT_EQ(HmacSha256(key).mac({}), hmac_sha256(key, {}));
}

TEST(HmacSha256, InstancesKeepTheirOwnKeys) {
  HmacSha256 a(as_bytes("key-a")), b(as_bytes("key-b"));
  for (int i = 0; i < 5; ++i) {
    std::string msg = "message " + std::to_string(i);
    EXPECT_EQ(a.mac(as_bytes(msg)), hmac_sha256(as_bytes("key-a"), as_bytes(msg)));
    EXPECT_EQ(b.mac(as_bytes(msg)), hmac_sha256(as_bytes("key-b"), as_bytes(msg)));
  }
  {
    HmacSha256 c(as_bytes("key-c"));
    EXPECT_EQ(c.mac(as_bytes("x")), hmac_sha256(as_bytes("key-c"), as_bytes("x")));
  }
  HmacSha256 d(as_bytes("key-d"));  // may reuse c's address
  EXPECT_EQ(d.mac(as_bytes("x")), hmac_sha256(as_bytes("key-d"), as_bytes("x")));
}

TEST(HmacSha256, SharedAcrossFourThreads) {
  Bytes key = random_bytes(32);
  HmacSha256 shared(key);
  HmacSha256 other(as_bytes("other"));
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string msg = std::to_string(t) + ":" + std::to_string(i);
        if (shared.mac(as_bytes(msg)) != hmac_sha256(key, as_bytes(msg))) ++failures[t];
        if (other.mac(as_bytes(msg)) != hmac_sha256(as_bytes("other"), as_bytes(msg))) {
          ++failures[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}

TEST(Hkdf, Rfc5869TestCase1) {
  Bytes okm = hkdf_sha256(Bytes(22, 0x0b), hex("000102030405060708090a0b0c"),
                          to_string(hex("f0f1f2f3f4f5f6f7f8f9")), 42);
  EXPECT_EQ(to_hex(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
            "34007208d5b887185865");
}

TEST(Hkdf, Rfc5869TestCase3EmptySaltAndInfo) {
  Bytes okm = hkdf_sha256(Bytes(22, 0x0b), {}, "", 42);
  EXPECT_EQ(to_hex(okm),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
            "9d201395faa4b61a96c8");
}

TEST(Hkdf, RejectsTooLongOutput) {
  EXPECT_THROW(hkdf_sha256(Bytes(32, 1), {}, "x", 255 * 32 + 1), Error);
}

TEST(Random, FillsAndDiffers) {
  Bytes a = random_bytes(32), b = random_bytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(random_bytes(0).empty());
}
