// SHA-256, HMAC-SHA-256 and HKDF-SHA-256 over OpenSSL 3 EVP: object names, blob ids
// and key derivation. Algorithms are fetched once; HMAC contexts are pooled per key.
#include "crypto/hash.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <string>

#include "common/error.h"
#include "crypto/ctx_pool_internal.h"

namespace strata::crypto {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw Error(ExitCode::failure, "OpenSSL " + what + " failed");
}

// Fetched once per process and intentionally never freed (shared, immutable).
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) fail("SHA256 fetch");
  return md;
}

EVP_MAC* hmac_alg() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) fail("HMAC fetch");
  return mac;
}

EVP_KDF* hkdf_alg() {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) fail("HKDF fetch");
  return kdf;
}

// OpenSSL treats a NULL key as "keep the current key"; an empty key needs a real pointer.
const uint8_t* key_ptr(ByteView key) {
  static const uint8_t kEmpty = 0;
  return key.empty() ? &kEmpty : key.data();
}

OSSL_PARAM octets(const char* name, ByteView b) {
  return OSSL_PARAM_construct_octet_string(name, const_cast<uint8_t*>(key_ptr(b)), b.size());
}

}  // namespace

Digest sha256(ByteView data) {
  Digest out{};
  if (EVP_Digest(data.data(), data.size(), out.data(), nullptr, sha256_md(), nullptr) != 1) {
    fail("SHA-256");
  }
  return out;
}

struct Sha256Stream::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256Stream::Sha256Stream() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr || EVP_DigestInit_ex2(impl_->ctx, sha256_md(), nullptr) != 1) {
    fail("SHA-256 init");
  }
}

Sha256Stream::~Sha256Stream() = default;

void Sha256Stream::update(ByteView data) {
  if (EVP_DigestUpdate(impl_->ctx, data.data(), data.size()) != 1) fail("SHA-256 update");
}

// Returns the digest and resets the stream so it can hash a new message.
Digest Sha256Stream::finish() {
  Digest out{};
  if (EVP_DigestFinal_ex(impl_->ctx, out.data(), nullptr) != 1 ||
      EVP_DigestInit_ex2(impl_->ctx, sha256_md(), nullptr) != 1) {
    fail("SHA-256 final");
  }
  return out;
}

struct HmacSha256::Impl {
  Bytes key;
  CtxPool<EVP_MAC_CTX, EVP_MAC_CTX_free> pool;
  ~Impl() { OPENSSL_cleanse(key.data(), key.size()); }

  // A context keyed with `key`, ready for update().
  EVP_MAC_CTX* make_ctx() const {
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac_alg());
    if (ctx == nullptr) fail("HMAC context");
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(ctx, key_ptr(key), key.size(), params) != 1) {
      EVP_MAC_CTX_free(ctx);
      fail("HMAC init");
    }
    return ctx;
  }
};

HmacSha256::HmacSha256(ByteView key) : impl_(std::make_unique<Impl>()) {
  impl_->key.assign(key.begin(), key.end());
  impl_->pool.give(impl_->make_ctx());  // fail early on a broken OpenSSL
}

HmacSha256::~HmacSha256() = default;

Digest HmacSha256::mac(ByteView data) const {
  EVP_MAC_CTX* ctx = impl_->pool.take();
  // A pooled context is re-initialised with its existing key (no re-keying cost).
  bool ready = ctx != nullptr;
  if (ctx == nullptr) ctx = impl_->make_ctx();
  CtxLease<EVP_MAC_CTX, EVP_MAC_CTX_free> lease(impl_->pool, ctx);
  Digest out{};
  size_t out_len = 0;
  if ((ready && EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1) ||
      EVP_MAC_update(ctx, data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx, out.data(), &out_len, out.size()) != 1 || out_len != out.size()) {
    lease.discard();
    fail("HMAC-SHA-256");
  }
  return out;
}

Digest hmac_sha256(ByteView key, ByteView data) {
  Digest out{};
  size_t out_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key_ptr(key), key.size(),
                data.data(), data.size(), out.data(), out.size(), &out_len) == nullptr ||
      out_len != out.size()) {
    fail("HMAC-SHA-256");
  }
  return out;
}

Bytes hkdf_sha256(ByteView ikm, ByteView salt, std::string_view info, size_t length) {
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(hkdf_alg());
  if (ctx == nullptr) fail("HKDF context");
  OSSL_PARAM params[5];
  size_t n = 0;
  params[n++] =
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0);
  params[n++] = octets(OSSL_KDF_PARAM_KEY, ikm);
  if (!salt.empty()) params[n++] = octets(OSSL_KDF_PARAM_SALT, salt);
  if (!info.empty()) params[n++] = octets(OSSL_KDF_PARAM_INFO, as_bytes(info));
  params[n] = OSSL_PARAM_construct_end();
  Bytes out(length);
  int rc = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (rc != 1) fail("HKDF-SHA-256 (length " + std::to_string(length) + ")");
  return out;
}

}  // namespace strata::crypto
