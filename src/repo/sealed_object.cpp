// Envelope for sealed metadata objects (see sealed_object.h).
#include "repo/sealed_object.h"

#include <zstd.h>

namespace strata::repo {

namespace {
constexpr uint8_t kEnvelopeVersion = 1;
constexpr uint8_t kCompressed = 1;
constexpr size_t kMaxObjectPlaintext = 1u << 30;

Bytes aad_for(ObjectKind kind, const uint8_t* envelope4) {
  std::string label = std::string("strata/v1/") + object_dir(kind);
  Bytes aad(label.begin(), label.end());
  aad.insert(aad.end(), envelope4, envelope4 + 4);
  return aad;
}
}  // namespace

const char* object_dir(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::index: return "index";
    case ObjectKind::snapshot: return "snapshots";
    case ObjectKind::lock: return "locks";
  }
  return "?";
}

Bytes seal_object(const crypto::Aead& aead, ObjectKind kind, ByteView plaintext) {
  Bytes compressed(ZSTD_compressBound(plaintext.size()));
  size_t n = ZSTD_compress(compressed.data(), compressed.size(), plaintext.data(),
                           plaintext.size(), 3);
  bool use = !ZSTD_isError(n) && n < plaintext.size();
  Bytes out{kEnvelopeVersion, 0, static_cast<uint8_t>(use ? kCompressed : 0), 0};
  Bytes aad = aad_for(kind, out.data());
  aead.seal_append(use ? ByteView(compressed.data(), n) : plaintext, aad, out);
  return out;
}

bool open_object(const crypto::Aead& aead, ObjectKind kind, ByteView sealed, Bytes& out) {
  if (sealed.size() < 4 + crypto::kSealOverhead || sealed[0] != kEnvelopeVersion ||
      sealed[1] != 0 || (sealed[2] & ~kCompressed) || sealed[3] != 0)
    return false;
  Bytes aad = aad_for(kind, sealed.data());
  Bytes plain;
  if (!aead.open(sealed.subspan(4), aad, plain)) return false;
  if (!(sealed[2] & kCompressed)) {
    out = std::move(plain);
    return true;
  }
  unsigned long long size = ZSTD_getFrameContentSize(plain.data(), plain.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
      size > kMaxObjectPlaintext)
    return false;
  out.resize(size);
  size_t n = ZSTD_decompress(out.data(), out.size(), plain.data(), plain.size());
  return !ZSTD_isError(n) && n == size;
}

}  // namespace strata::repo
