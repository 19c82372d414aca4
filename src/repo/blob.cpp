// Blob encoding: cheap compressibility probe, zstd with per-thread contexts, AEAD.
#include "repo/blob.h"

#include <zstd.h>

#include "common/error.h"

namespace strata::repo {

const char* blob_type_name(BlobType t) { return t == BlobType::tree ? "tree" : "data"; }

std::string short_hex(const BlobId& id) { return to_hex(ByteView(id.data(), 4)); }

namespace {

struct ZstdContexts {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ~ZstdContexts() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
};

ZstdContexts& contexts() {
  thread_local ZstdContexts ctx;
  return ctx;
}

Bytes make_aad(const BlobId& id, BlobType type, uint8_t flags) {
  Bytes aad(id.begin(), id.end());
  aad.push_back(static_cast<uint8_t>(type));
  aad.push_back(flags);
  return aad;
}

// True when a sample from the middle of the data shrinks by at least 5 % at the
// fastest level: a few microseconds that spare compressing sealed/random data.
bool worth_compressing(ByteView data) {
  constexpr size_t kSample = 8192;
  if (data.size() < 64) return false;
  if (data.size() <= kSample) return true;
  size_t start = (data.size() - kSample) / 2;
  thread_local Bytes scratch(ZSTD_compressBound(kSample));
  size_t n = ZSTD_compressCCtx(contexts().cctx, scratch.data(), scratch.size(),
                               data.data() + start, kSample, 1);
  if (ZSTD_isError(n)) return true;
  return n < kSample * 95 / 100;
}

}  // namespace

void encode_blob(const crypto::Aead& aead, const BlobId& id, BlobType type, ByteView plaintext,
                 int level, EncodedBlob& out) {
  out.sealed.clear();
  out.flags = 0;
  if (level > 0 && worth_compressing(plaintext)) {
    thread_local Bytes compressed;
    compressed.resize(ZSTD_compressBound(plaintext.size()));
    size_t n = ZSTD_compressCCtx(contexts().cctx, compressed.data(), compressed.size(),
                                 plaintext.data(), plaintext.size(), level);
    if (!ZSTD_isError(n) && n < plaintext.size()) {
      out.flags = kBlobCompressed;
      aead.seal_append(ByteView(compressed.data(), n), make_aad(id, type, out.flags), out.sealed);
      return;
    }
  }
  aead.seal_append(plaintext, make_aad(id, type, out.flags), out.sealed);
}

bool decode_blob(const crypto::Aead& aead, const BlobId& id, BlobType type, uint8_t flags,
                 ByteView sealed, uint32_t raw_len, Bytes& out) {
  if (flags & ~kBlobCompressed) return false;
  if (!(flags & kBlobCompressed)) {
    if (!aead.open(sealed, make_aad(id, type, flags), out)) return false;
    return out.size() == raw_len;
  }
  thread_local Bytes compressed;
  if (!aead.open(sealed, make_aad(id, type, flags), compressed)) return false;
  out.resize(raw_len);
  size_t n = ZSTD_decompressDCtx(contexts().dctx, out.data(), out.size(), compressed.data(),
                                 compressed.size());
  return !ZSTD_isError(n) && n == raw_len;
}

}  // namespace strata::repo
