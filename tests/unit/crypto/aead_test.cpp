// AES-256-GCM sealing: layout, round trips, tamper detection, aliasing and threads.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>

#include "common/error.h"
#include "crypto/aead.h"
#include "crypto/random.h"

using namespace strata;
using namespace strata::crypto;

namespace {

Bytes pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 131 + 17);
  return b;
}

// Independent decryption with plain EVP calls: proves the layout is standard GCM.
bool reference_open(ByteView key, ByteView sealed, ByteView aad, Bytes& out) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  out.assign(sealed.size() - kSealOverhead, 0);
  int len = 0;
  bool ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.data(), sealed.data()) &&
            EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) &&
            EVP_DecryptUpdate(ctx, out.data(), &len, sealed.data() + kNonceSize,
                              static_cast<int>(out.size())) &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
                                const_cast<uint8_t*>(sealed.data() + sealed.size() - 16)) &&
            EVP_DecryptFinal_ex(ctx, out.data() + out.size(), &len);
  EVP_CIPHER_CTX_free(ctx);
  return ok;
}

class AeadTest : public ::testing::Test {
 protected:
  Bytes key_ = random_bytes(kKeySize);
  Aead aead_{key_};
  Bytes aad_ = {'b', 'l', 'o', 'b', ':', 1, 2, 3};
};

}  // namespace

TEST_F(AeadTest, RoundTripsManySizes) {
  for (size_t n : {0, 1, 15, 16, 17, 4096, 1 << 20}) {
    Bytes pt = pattern(n);
    Bytes sealed = aead_.seal(pt, aad_);
    ASSERT_EQ(sealed.size(), n + kSealOverhead);
    Bytes out = {9, 9, 9};
    ASSERT_TRUE(aead_.open(sealed, aad_, out)) << n;
    EXPECT_EQ(out, pt) << n;
    Bytes ref;
    ASSERT_TRUE(reference_open(key_, sealed, aad_, ref)) << n;
    EXPECT_EQ(ref, pt) << n;
  }
}

TEST_F(AeadTest, EmptyPlaintextAndEmptyAad) {
  Bytes sealed = aead_.seal({}, {});
  EXPECT_EQ(sealed.size(), kSealOverhead);
  Bytes out = {1};
  ASSERT_TRUE(aead_.open(sealed, {}, out));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(aead_.open(sealed, aad_, out));
}

TEST_F(AeadTest, TamperingAnyRegionFails) {
  Bytes pt = pattern(100);
  Bytes sealed = aead_.seal(pt, aad_);
  // Flip one bit at every position: nonce, ciphertext and tag.
  for (size_t i = 0; i < sealed.size(); ++i) {
    Bytes bad = sealed;
    bad[i] ^= 0x01;
    Bytes out;
    EXPECT_FALSE(aead_.open(bad, aad_, out)) << "byte " << i;
    EXPECT_TRUE(out.empty()) << "byte " << i;
  }
  Bytes out;
  Bytes bad_aad = aad_;
  bad_aad.back() ^= 0x80;
  EXPECT_FALSE(aead_.open(sealed, bad_aad, out));
  EXPECT_FALSE(aead_.open(sealed, {}, out));
  Bytes truncated(sealed.begin(), sealed.end() - 1);
  EXPECT_FALSE(aead_.open(truncated, aad_, out));
  Bytes extended = sealed;
  extended.push_back(0);
  EXPECT_FALSE(aead_.open(extended, aad_, out));
  ASSERT_TRUE(aead_.open(sealed, aad_, out));  // pooled contexts still work after failures
  EXPECT_EQ(out, pt);
}

TEST_F(AeadTest, WrongKeyFails) {
  Bytes sealed = aead_.seal(pattern(64), aad_);
  Bytes other_key = key_;
  other_key[0] ^= 1;
  Bytes out;
  EXPECT_FALSE(Aead(other_key).open(sealed, aad_, out));
}

TEST_F(AeadTest, ShortInputFailsWithoutThrowing) {
  Bytes out = {1, 2};
  for (size_t n = 0; n < kSealOverhead; ++n) {
    EXPECT_FALSE(aead_.open(Bytes(n, 0), aad_, out)) << n;
    EXPECT_TRUE(out.empty());
  }
}

TEST_F(AeadTest, NoncesAreFresh) {
  std::set<Bytes> nonces;
  for (int i = 0; i < 1000; ++i) {
    Bytes sealed = aead_.seal(as_bytes("same"), aad_);
    nonces.insert(Bytes(sealed.begin(), sealed.begin() + kNonceSize));
  }
  EXPECT_EQ(nonces.size(), 1000u);
}

// Nonces are drawn in per-thread batches; a forked child must not reuse the parent's batch.
TEST_F(AeadTest, ForkedChildNeverRepeatsParentNonces) {
  Bytes first = aead_.seal(as_bytes("prime the batch"), aad_);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    Bytes sealed = aead_.seal(as_bytes("child"), aad_);
    ssize_t w = write(fds[1], sealed.data(), kNonceSize);
    _exit(w == static_cast<ssize_t>(kNonceSize) ? 0 : 1);
  }
  close(fds[1]);
  Bytes child_nonce(kNonceSize);
  ASSERT_EQ(read(fds[0], child_nonce.data(), kNonceSize), static_cast<ssize_t>(kNonceSize));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  Bytes parent = aead_.seal(as_bytes("parent"), aad_);
  EXPECT_NE(Bytes(parent.begin(), parent.begin() + kNonceSize), child_nonce);
  EXPECT_NE(Bytes(first.begin(), first.begin() + kNonceSize), child_nonce);
}

TEST_F(AeadTest, SealAppendKeepsPrefixAndHandlesAliasing) {
  Bytes out = {'h', 'd', 'r'};
  aead_.seal_append(as_bytes("payload"), aad_, out);
  ASSERT_EQ(out.size(), 3 + 7 + kSealOverhead);
  EXPECT_EQ(out[0], 'h');
  Bytes pt;
  ASSERT_TRUE(aead_.open(ByteView(out).subspan(3), aad_, pt));
  EXPECT_EQ(to_string(pt), "payload");

  // Plaintext that lives inside the output buffer, and open into its own input.
  Bytes buf = pattern(50);
  Bytes expected = buf;
  aead_.seal_append(buf, aad_, buf);
  ASSERT_EQ(buf.size(), 50 + 50 + kSealOverhead);
  ByteView sealed = ByteView(buf).subspan(50);
  ASSERT_TRUE(aead_.open(sealed, aad_, buf));
  EXPECT_EQ(buf, expected);
}

TEST(Aead, RejectsWrongKeySize) {
  EXPECT_THROW(Aead(Bytes(16, 0)), Error);
  EXPECT_THROW(Aead(Bytes(33, 0)), Error);
}

TEST_F(AeadTest, SharedAcrossFourThreads) {
  Aead other(random_bytes(kKeySize));
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Bytes out;
      for (int i = 0; i < 1000; ++i) {
        Bytes pt = pattern(static_cast<size_t>((t * 1000 + i) % 3000));
        const Aead& a = i % 2 ? aead_ : other;
        Bytes sealed = a.seal(pt, aad_);
        if (!a.open(sealed, aad_, out) || out != pt) ++failures[t];
        const Aead& b = i % 2 ? other : aead_;
        if (b.open(sealed, aad_, out)) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}
