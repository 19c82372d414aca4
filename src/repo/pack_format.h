// Byte layout of pack files and of their (encrypted) header, shared by the writer,
// the reader, the index and `check`. See docs/repository-format.md.
//
//   pack   = preamble(8) || blob* || sealed_header || header_len(u32 LE) || "SPKT"
//   preamble = "STRP" || version(1) || 0 0 0
//   header plaintext = "SPH1" || count(u32) || entry*count
//   entry (48 bytes) = type(1) flags(1) domain(u16) offset(u32) stored_len(u32)
//                      raw_len(u32) id(32)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "repo/blob.h"

namespace strata::repo {

constexpr uint8_t kPackVersion = 1;
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
};

Bytes pack_preamble();
bool check_pack_preamble(ByteView first8);

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

}  // namespace strata::repo
