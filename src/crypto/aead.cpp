// AES-256-GCM sealing of blobs and metadata (nonce || ciphertext || tag) over OpenSSL EVP.
// Keyed cipher contexts are pooled per Aead so each call only sets a fresh nonce.
#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <string>

#include "common/error.h"
#include "crypto/ctx_pool_internal.h"
#include "crypto/nonce_internal.h"

namespace strata::crypto {
namespace {

using CipherPool = CtxPool<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using CipherLease = CtxLease<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;

constexpr size_t kMaxUpdate = size_t{1} << 30;  // EVP lengths are int

const EVP_CIPHER* aes_256_gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (cipher == nullptr) throw Error(ExitCode::failure, "OpenSSL AES-256-GCM fetch failed");
  return cipher;
}

// True if `v` points into the storage `b` may reallocate or overwrite.
template <class Buffer>
bool overlaps(ByteView v, const Buffer& b) {
  if (v.empty() || b.capacity() == 0) return false;
  auto* lo = b.data();
  auto* hi = b.data() + b.capacity();
  return v.data() < hi && lo < v.data() + v.size();
}

// Feeds `in` through EVP_CipherUpdate in int-sized pieces; `out` may be null for aad.
bool update(EVP_CIPHER_CTX* ctx, ByteView in, uint8_t* out) {
  while (!in.empty()) {
    size_t n = std::min(in.size(), kMaxUpdate);
    int written = 0;
    if (EVP_CipherUpdate(ctx, out, &written, in.data(), static_cast<int>(n)) != 1) return false;
    if (out != nullptr) {
      if (static_cast<size_t>(written) != n) return false;  // GCM is a stream mode
      out += n;
    }
    in = in.subspan(n);
  }
  return true;
}

}  // namespace

struct Aead::Impl {
  std::array<uint8_t, kKeySize> key{};
  mutable CipherPool pool;
  ~Impl() { OPENSSL_cleanse(key.data(), key.size()); }

  // A pooled (or new) context already keyed; the caller sets nonce and direction.
  EVP_CIPHER_CTX* acquire() const {
    if (EVP_CIPHER_CTX* ctx = pool.take()) return ctx;
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    if (ctx == nullptr || EVP_CipherInit_ex2(ctx, aes_256_gcm(), key.data(), nullptr, 1,
                                             nullptr) != 1) {
      EVP_CIPHER_CTX_free(ctx);
      throw Error(ExitCode::failure, "OpenSSL AES-256-GCM init failed");
    }
    return ctx;
  }

  bool seal_into(ByteView plaintext, ByteView aad, uint8_t* dst) const;
  bool open_into(ByteView sealed, ByteView aad, uint8_t* dst) const;
};

// Writes nonce || ciphertext || tag to dst (plaintext.size() + kSealOverhead bytes).
bool Aead::Impl::seal_into(ByteView plaintext, ByteView aad, uint8_t* dst) const {
  fill_nonce(std::span<uint8_t>(dst, kNonceSize));
  CipherLease lease(pool, acquire());
  EVP_CIPHER_CTX* ctx = lease.get();
  int final_len = 0;
  uint8_t* ct = dst + kNonceSize;
  bool ok = EVP_CipherInit_ex2(ctx, nullptr, nullptr, dst, 1, nullptr) == 1 &&
            update(ctx, aad, nullptr) && update(ctx, plaintext, ct) &&
            EVP_CipherFinal_ex(ctx, ct + plaintext.size(), &final_len) == 1 &&
            final_len == 0 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                                ct + plaintext.size()) == 1;
  if (!ok) lease.discard();
  return ok;
}

// Decrypts sealed (already length-checked) into dst; false on any authentication failure.
bool Aead::Impl::open_into(ByteView sealed, ByteView aad, uint8_t* dst) const {
  ByteView nonce = sealed.first(kNonceSize);
  ByteView ct = sealed.subspan(kNonceSize, sealed.size() - kSealOverhead);
  ByteView tag = sealed.last(kTagSize);
  CipherLease lease(pool, acquire());
  EVP_CIPHER_CTX* ctx = lease.get();
  int final_len = 0;
  bool ok = EVP_CipherInit_ex2(ctx, nullptr, nullptr, nonce.data(), 0, nullptr) == 1 &&
            update(ctx, aad, nullptr) && update(ctx, ct, dst) &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize),
                                const_cast<uint8_t*>(tag.data())) == 1 &&
            EVP_CipherFinal_ex(ctx, dst + ct.size(), &final_len) == 1 && final_len == 0;
  if (!ok) lease.discard();  // never reuse a context whose state we are unsure of
  return ok;
}

Aead::Aead(ByteView key) : impl_(std::make_unique<Impl>()) {
  if (key.size() != kKeySize) {
    throw Error(ExitCode::failure, "AES-256-GCM key must be 32 bytes, got " +
                                       std::to_string(key.size()));
  }
  std::copy(key.begin(), key.end(), impl_->key.begin());
  impl_->pool.give(impl_->acquire());  // fail early on a broken OpenSSL
}

Aead::~Aead() = default;

// Appends nonce || ciphertext || tag to either kind of byte buffer.
template <class Buffer>
void Aead::seal_append_to(ByteView plaintext, ByteView aad, Buffer& out) const {
  if (overlaps(plaintext, out) || overlaps(aad, out)) {
    Bytes pt_copy(plaintext.begin(), plaintext.end());
    Bytes aad_copy(aad.begin(), aad.end());
    seal_append_to(pt_copy, aad_copy, out);
    OPENSSL_cleanse(pt_copy.data(), pt_copy.size());
    return;
  }
  size_t start = out.size();
  out.resize(start + plaintext.size() + kSealOverhead);  // RawBytes: not zeroed first
  if (!impl_->seal_into(plaintext, aad, out.data() + start)) {
    out.resize(start);
    throw Error(ExitCode::failure, "OpenSSL AES-256-GCM encryption failed");
  }
}

void Aead::seal_append(ByteView plaintext, ByteView aad, Bytes& out) const {
  seal_append_to(plaintext, aad, out);
}

void Aead::seal_append(ByteView plaintext, ByteView aad, RawBytes& out) const {
  seal_append_to(plaintext, aad, out);
}

Bytes Aead::seal(ByteView plaintext, ByteView aad) const {
  Bytes out;
  out.reserve(plaintext.size() + kSealOverhead);
  seal_append(plaintext, aad, out);
  return out;
}

bool Aead::open(ByteView sealed, ByteView aad, Bytes& out) const {
  if (sealed.size() < kSealOverhead) {
    out.clear();
    return false;
  }
  if (overlaps(sealed, out) || overlaps(aad, out)) {
    Bytes sealed_copy(sealed.begin(), sealed.end());
    Bytes aad_copy(aad.begin(), aad.end());
    return open(sealed_copy, aad_copy, out);
  }
  out.resize(sealed.size() - kSealOverhead);
  bool ok = false;
  try {
    ok = impl_->open_into(sealed, aad, out.data());
  } catch (const Error&) {
    ok = false;  // bad data never throws; a context allocation failure reads as "cannot open"
  }
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());  // never expose unauthenticated plaintext
    out.clear();
  }
  return ok;
}

}  // namespace strata::crypto
