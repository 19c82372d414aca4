// SHA-256 and HMAC-SHA-256 (OpenSSL; uses SHA-NI where the CPU has it). Object names
// are SHA-256 of stored bytes; blob ids are HMAC-SHA-256 under the repository id key.
#pragma once
#include <array>
#include <memory>

#include "common/bytes.h"

namespace strata::crypto {

using Digest = std::array<uint8_t, 32>;

Digest sha256(ByteView data);

// Incremental SHA-256, for hashing large objects in pieces.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(ByteView data);
  Digest finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// HMAC-SHA-256 with a fixed key. mac() is thread-safe and cheap to call for small
// inputs (per-thread contexts are reused).
class HmacSha256 {
 public:
  explicit HmacSha256(ByteView key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;
  Digest mac(ByteView data) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Digest hmac_sha256(ByteView key, ByteView data);

// HKDF-SHA-256 (RFC 5869): derive `length` bytes from ikm with salt and info.
Bytes hkdf_sha256(ByteView ikm, ByteView salt, std::string_view info, size_t length);

}  // namespace strata::crypto
