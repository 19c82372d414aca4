// Blob identity and the encoding of one blob inside a pack: zstd compression when it
// pays (decided by a cheap probe), then AES-256-GCM with the blob's id, type and flags
// as associated data, so a blob cannot be swapped for another or relabelled.
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

#include "common/bytes.h"
#include "crypto/aead.h"
#include "crypto/hash.h"

namespace strata::repo {

using BlobId = crypto::Digest;

struct BlobIdHash {
  size_t operator()(const BlobId& id) const {
    size_t h;
    std::memcpy(&h, id.data(), sizeof h);
    return h;
  }
};

enum class BlobType : uint8_t { data = 0, tree = 1 };
const char* blob_type_name(BlobType t);

// Flag bits of a stored blob.
constexpr uint8_t kBlobCompressed = 0x01;  // zstd frame inside the ciphertext

// What gets sealed for a blob: its zstd frame when compression pays, else the
// plaintext itself. `data` points into a per-thread buffer (or at the plaintext)
// and stays valid until the thread's next compress_blob call.
struct BlobPayload {
  ByteView data;
  uint8_t flags = 0;
};
// Compresses `plaintext` at Strata level `level` (0 = off) when a sample shows it
// is worth it. Level 3, the default, is zstd's single-hash matcher with level 3's
// tables: about 25 % faster than zstd -3 and within 2 % of its size (see
// docs/repository-format.md); the other levels are zstd's own.
BlobPayload compress_blob(ByteView plaintext, int level);
// Appends nonce || ciphertext || tag of the payload to `out`.
void seal_blob(const crypto::Aead& aead, const BlobId& id, BlobType type, const BlobPayload& payload,
               Bytes& out);
void seal_blob(const crypto::Aead& aead, const BlobId& id, BlobType type, const BlobPayload& payload,
               RawBytes& out);

// Opens and decompresses a stored blob; returns false if authentication fails or
// the decompressed size differs from raw_len.
bool decode_blob(const crypto::Aead& aead, const BlobId& id, BlobType type, uint8_t flags,
                 ByteView sealed, uint32_t raw_len, Bytes& out);

std::string short_hex(const BlobId& id);  // first 8 hex digits, for messages

}  // namespace strata::repo
