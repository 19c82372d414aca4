// Blob encoding: round trips of compressible (stored with kBlobCompressed) and
// incompressible (stored without) data, level 0, tiny blobs; decoding fails for a
// wrong id, type, flags, key or raw length and for any flipped byte.
#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "repo/blob.h"
#include "repo_test_util.h"

namespace strata::repo {
namespace {

using testing::compressible_data;
using testing::random_data;

class BlobTest : public ::testing::Test {
 protected:
  crypto::Aead aead_{crypto::random_bytes(32)};
  BlobId id_ = crypto::sha256(as_bytes("blob id"));

  struct EncodedBlob {
    uint8_t flags = 0;
    Bytes sealed;  // nonce || ciphertext || tag
  };
  // What a pack receives for a blob: the payload compress_blob chooses, sealed.
  EncodedBlob encode(ByteView data, BlobType type = BlobType::data, int level = 3) {
    BlobPayload payload = compress_blob(data, level);
    EncodedBlob e;
    e.flags = payload.flags;
    seal_blob(aead_, id_, type, payload, e.sealed);
    return e;
  }
};

TEST_F(BlobTest, CompressibleRoundTripIsCompressed) {
  Bytes data = compressible_data(100000);
  EncodedBlob e = encode(data);
  EXPECT_EQ(e.flags, kBlobCompressed);
  EXPECT_LT(e.sealed.size(), data.size() / 4);
  Bytes out;
  ASSERT_TRUE(decode_blob(aead_, id_, BlobType::data, e.flags, e.sealed, data.size(), out));
  EXPECT_EQ(out, data);
}

TEST_F(BlobTest, IncompressibleRoundTripIsStoredPlain) {
  Bytes data = random_data(100000, 11);
  EncodedBlob e = encode(data);
  EXPECT_EQ(e.flags & kBlobCompressed, 0);
  EXPECT_EQ(e.sealed.size(), data.size() + crypto::kSealOverhead);
  Bytes out;
  ASSERT_TRUE(decode_blob(aead_, id_, BlobType::data, e.flags, e.sealed, data.size(), out));
  EXPECT_EQ(out, data);
}

TEST_F(BlobTest, SmallAndEmptyAndLevelZero) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{8192}, size_t{8193}}) {
    Bytes data = compressible_data(n);
    for (int level : {0, 1, 19}) {
      EncodedBlob e = encode(data, BlobType::tree, level);
      if (level == 0 || n < 64) {
        EXPECT_EQ(e.flags, 0) << n << " level " << level;
      }
      Bytes out;
      ASSERT_TRUE(decode_blob(aead_, id_, BlobType::tree, e.flags, e.sealed, n, out)) << n;
      EXPECT_EQ(out, data);
    }
  }
}

TEST_F(BlobTest, WrongIdTypeFlagsKeyOrLengthFails) {
  for (Bytes data : {compressible_data(50000), random_data(50000, 12)}) {
    EncodedBlob e = encode(data);
    Bytes out;
    BlobId other = id_;
    other[0] ^= 1;
    EXPECT_FALSE(decode_blob(aead_, other, BlobType::data, e.flags, e.sealed, data.size(), out));
    EXPECT_FALSE(decode_blob(aead_, id_, BlobType::tree, e.flags, e.sealed, data.size(), out));
    EXPECT_FALSE(decode_blob(aead_, id_, BlobType::data, e.flags ^ kBlobCompressed, e.sealed,
                             data.size(), out));
    EXPECT_FALSE(decode_blob(aead_, id_, BlobType::data, e.flags | 0x80, e.sealed, data.size(), out));
    crypto::Aead other_key(crypto::random_bytes(32));
    EXPECT_FALSE(decode_blob(other_key, id_, BlobType::data, e.flags, e.sealed, data.size(), out));
    EXPECT_FALSE(decode_blob(aead_, id_, BlobType::data, e.flags, e.sealed, data.size() - 1, out));
    EXPECT_FALSE(decode_blob(aead_, id_, BlobType::data, e.flags, e.sealed, data.size() + 1, out));
    EXPECT_TRUE(decode_blob(aead_, id_, BlobType::data, e.flags, e.sealed, data.size(), out));
  }
}

TEST_F(BlobTest, AnyFlippedByteFails) {
  Bytes data = compressible_data(3000);
  EncodedBlob e = encode(data);
  Bytes out;
  for (size_t i = 0; i < e.sealed.size(); ++i) {
    Bytes bad = e.sealed;
    bad[i] ^= 0x01;
    EXPECT_FALSE(decode_blob(aead_, id_, BlobType::data, e.flags, bad, data.size(), out)) << i;
  }
  Bytes truncated(e.sealed.begin(), e.sealed.end() - 1);
  EXPECT_FALSE(decode_blob(aead_, id_, BlobType::data, e.flags, truncated, data.size(), out));
  EXPECT_FALSE(decode_blob(aead_, id_, BlobType::data, e.flags, ByteView(), data.size(), out));
}

TEST_F(BlobTest, NamesAndShortHex) {
  EXPECT_STREQ(blob_type_name(BlobType::data), "data");
  EXPECT_STREQ(blob_type_name(BlobType::tree), "tree");
  EXPECT_EQ(short_hex(id_), to_hex(id_).substr(0, 8));
}

}  // namespace
}  // namespace strata::repo
