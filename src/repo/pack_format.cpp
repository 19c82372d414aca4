// Encoding and validation of pack preambles, headers, entries and trailers.
#include "repo/pack_format.h"

#include <cstring>

#include "crypto/hash.h"

namespace strata::repo {

Bytes pack_preamble(uint8_t version) { return Bytes{'S', 'T', 'R', 'P', version, 0, 0, 0}; }

bool check_pack_preamble(ByteView p) {
  return p.size() >= kPackPreambleSize && std::memcmp(p.data(), "STRP", 4) == 0 &&
         (p[4] == kPackVersionFullHash || p[4] == kPackVersionFramingHash);
}

uint8_t pack_version_for_format(int format_version) {
  return format_version >= 2 ? kPackVersionFramingHash : kPackVersionFullHash;
}

void encode_pack_entry(const PackEntry& e, Bytes& out) {
  out.push_back(static_cast<uint8_t>(e.type));
  out.push_back(e.flags);
  out.push_back(static_cast<uint8_t>(e.domain));
  out.push_back(static_cast<uint8_t>(e.domain >> 8));
  put_u32le(out, e.offset);
  put_u32le(out, e.stored_len);
  put_u32le(out, e.raw_len);
  out.insert(out.end(), e.id.begin(), e.id.end());
}

PackEntry decode_pack_entry(const uint8_t* p) {
  PackEntry e;
  e.type = static_cast<BlobType>(p[0]);
  e.flags = p[1];
  e.domain = static_cast<uint16_t>(p[2] | (p[3] << 8));
  e.offset = get_u32le(p + 4);
  e.stored_len = get_u32le(p + 8);
  e.raw_len = get_u32le(p + 12);
  std::memcpy(e.id.data(), p + 16, 32);
  return e;
}

Bytes encode_pack_header(const std::vector<PackEntry>& entries) {
  Bytes out{'S', 'P', 'H', '1'};
  put_u32le(out, static_cast<uint32_t>(entries.size()));
  out.reserve(8 + entries.size() * kPackEntrySize);
  for (const auto& e : entries) encode_pack_entry(e, out);
  return out;
}

bool parse_pack_header(ByteView plain, uint64_t data_end, std::vector<PackEntry>& out,
                       std::string& reason) {
  out.clear();
  if (plain.size() < 8 || std::memcmp(plain.data(), "SPH1", 4) != 0) {
    reason = "bad header magic";
    return false;
  }
  uint32_t count = get_u32le(plain.data() + 4);
  if (count > kMaxPackEntries || plain.size() != 8 + uint64_t{count} * kPackEntrySize) {
    reason = "header size does not match its entry count";
    return false;
  }
  out.reserve(count);
  uint64_t expected_offset = kPackPreambleSize;
  for (uint32_t i = 0; i < count; ++i) {
    PackEntry e = decode_pack_entry(plain.data() + 8 + uint64_t{i} * kPackEntrySize);
    if (e.type != BlobType::data && e.type != BlobType::tree) {
      reason = "entry " + std::to_string(i) + " has unknown blob type";
      return false;
    }
    if (e.domain != 0) {  // format v1 defines key domain 0 only
      reason = "entry " + std::to_string(i) + " uses an unknown key domain";
      return false;
    }
    if (e.offset != expected_offset || e.stored_len < 28 ||
        uint64_t{e.offset} + e.stored_len > data_end) {
      reason = "entry " + std::to_string(i) + " points outside the pack's blob area";
      return false;
    }
    expected_offset += e.stored_len;
    out.push_back(e);
  }
  if (expected_offset != data_end) {
    reason = "blob area length does not match the header";
    return false;
  }
  return true;
}

Bytes pack_trailer(uint32_t sealed_header_len) {
  Bytes out;
  put_u32le(out, sealed_header_len);
  out.insert(out.end(), {'S', 'P', 'K', 'T'});
  return out;
}

uint32_t parse_pack_trailer(ByteView last8) {
  if (last8.size() != kPackTrailerSize || std::memcmp(last8.data() + 4, "SPKT", 4) != 0) return 0;
  return get_u32le(last8.data());
}

std::array<uint8_t, 32> expected_pack_id(ByteView pack) {
  if (pack.size() < kPackPreambleSize + kPackTrailerSize || !check_pack_preamble(pack) ||
      pack_name_hashes_blobs(pack[4]))
    return crypto::sha256(pack);
  uint32_t header_len = parse_pack_trailer(pack.last(kPackTrailerSize));
  if (header_len == 0 || header_len > pack.size() - kPackPreambleSize - kPackTrailerSize)
    return crypto::sha256(pack);
  crypto::Sha256Stream hash;
  hash.update(pack.first(kPackPreambleSize));
  hash.update(pack.last(uint64_t{header_len} + kPackTrailerSize));
  return hash.finish();
}

}  // namespace strata::repo
