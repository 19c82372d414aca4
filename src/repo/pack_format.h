// Byte layout of pack files and of their (encrypted) header, shared by the writer,
// the reader, the index and `check`. See docs/repository-format.md.
//
//   pack   = preamble(8) || blob* || sealed_header || header_len(u32 LE) || "SPKT"
//   preamble = "STRP" || version(1) || 0 0 0
//   name (pack version 1) = SHA-256 of every byte of the pack
//   name (pack version 2) = SHA-256 of preamble || sealed_header || trailer
//   header plaintext = "SPH1" || count(u32) || entry*count
//   entry (48 bytes) = type(1) flags(1) domain(u16) offset(u32) stored_len(u32)
//                      raw_len(u32) id(32)
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "repo/blob.h"

namespace strata::repo {

// Pack version 1 (repository format 1): named by the SHA-256 of all its bytes.
// Pack version 2 (repository format 2): named by the SHA-256 of its preamble,
// sealed header and trailer only; every blob is authenticated by its own tag, so
// hashing the blob area a second time bought nothing but CPU time.
constexpr uint8_t kPackVersionFullHash = 1;
constexpr uint8_t kPackVersionFramingHash = 2;
constexpr uint8_t kPackVersion = kPackVersionFramingHash;  // what new repositories write
constexpr size_t kPackPreambleSize = 8;
constexpr size_t kPackTrailerSize = 8;
constexpr size_t kPackEntrySize = 48;
constexpr uint32_t kMaxPackEntries = 1u << 22;

struct PackEntry {
  BlobId id{};
  BlobType type = BlobType::data;
  uint8_t flags = 0;
  uint16_t domain = 0;
  uint32_t offset = 0;      // of the sealed blob within the pack
  uint32_t stored_len = 0;  // sealed length (nonce + ciphertext + tag)
  uint32_t raw_len = 0;     // plaintext length
  bool operator==(const PackEntry&) const = default;
};

Bytes pack_preamble(uint8_t version = kPackVersion);
// True if the first 8 bytes are a preamble of a known pack version.
bool check_pack_preamble(ByteView first8);
// The pack version that a repository of format `format_version` writes.
uint8_t pack_version_for_format(int format_version);
// True when a pack of this version is named by the hash of all its bytes.
inline bool pack_name_hashes_blobs(uint8_t pack_version) {
  return pack_version == kPackVersionFullHash;
}

void encode_pack_entry(const PackEntry& e, Bytes& out);
PackEntry decode_pack_entry(const uint8_t* p);  // p has kPackEntrySize bytes

Bytes encode_pack_header(const std::vector<PackEntry>& entries);
// Parses a decrypted header; returns false (with a reason) if malformed, including
// entries that point outside [preamble, data_end).
bool parse_pack_header(ByteView plain, uint64_t data_end, std::vector<PackEntry>& out,
                       std::string& reason);

Bytes pack_trailer(uint32_t sealed_header_len);
// Returns the sealed header length, or 0 if the trailer is malformed.
uint32_t parse_pack_trailer(ByteView last8);
// The id (name without hex) a whole pack must have under its version's rule; the
// version is read from its preamble. A pack too short, of an unknown version or
// with a bad trailer gets the SHA-256 of all its bytes (which then fails
// whatever else `check` verifies).
std::array<uint8_t, 32> expected_pack_id(ByteView pack);

}  // namespace strata::repo
