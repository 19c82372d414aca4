// AES-256-GCM authenticated encryption (OpenSSL EVP; AES-NI/VAES). Sealed layout:
// nonce (12 bytes, random) || ciphertext || tag (16 bytes). The caller's associated
// data binds the ciphertext to its identity (object type and id) so it cannot be swapped.
#pragma once
#include <memory>

#include "common/bytes.h"

namespace strata::crypto {

constexpr size_t kKeySize = 32;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kSealOverhead = kNonceSize + kTagSize;

class Aead {
 public:
  // key must be exactly 32 bytes (throws Error otherwise).
  explicit Aead(ByteView key);
  ~Aead();
  Aead(const Aead&) = delete;
  Aead& operator=(const Aead&) = delete;

  // Appends nonce||ciphertext||tag to `out`. Thread-safe.
  void seal_append(ByteView plaintext, ByteView aad, Bytes& out) const;
  void seal_append(ByteView plaintext, ByteView aad, RawBytes& out) const;
  Bytes seal(ByteView plaintext, ByteView aad) const;

  // Replaces `out` with the plaintext; returns false if the input is too short or
  // fails authentication (wrong key, corrupt bytes, wrong aad). Thread-safe.
  bool open(ByteView sealed, ByteView aad, Bytes& out) const;

 private:
  template <class Buffer>
  void seal_append_to(ByteView plaintext, ByteView aad, Buffer& out) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::crypto
