// Encoding and validation of index file plaintext.
#include "repo/index_format.h"

#include <cstring>

namespace strata::repo {

Bytes encode_index(const std::vector<IndexedPack>& packs) {
  Bytes out{'S', 'I', 'X', '1'};
  put_u32le(out, static_cast<uint32_t>(packs.size()));
  for (const auto& p : packs) {
    out.insert(out.end(), p.id.begin(), p.id.end());
    put_u32le(out, static_cast<uint32_t>(p.blobs.size()));
    for (const auto& e : p.blobs) encode_pack_entry(e, out);
  }
  return out;
}

bool parse_index(ByteView plain, std::vector<IndexedPack>& out, std::string& reason) {
  out.clear();
  if (plain.size() < 8 || std::memcmp(plain.data(), "SIX1", 4) != 0) {
    reason = "bad index magic";
    return false;
  }
  uint32_t count = get_u32le(plain.data() + 4);
  size_t pos = 8;
  for (uint32_t i = 0; i < count; ++i) {
    if (plain.size() - pos < 36) {
      reason = "index truncated in pack " + std::to_string(i);
      return false;
    }
    IndexedPack p;
    std::memcpy(p.id.data(), plain.data() + pos, 32);
    uint32_t n = get_u32le(plain.data() + pos + 32);
    pos += 36;
    if (n > kMaxPackEntries || (plain.size() - pos) / kPackEntrySize < n) {
      reason = "index truncated in the blob list of pack " + std::to_string(i);
      return false;
    }
    p.blobs.reserve(n);
    for (uint32_t j = 0; j < n; ++j) {
      PackEntry e = decode_pack_entry(plain.data() + pos);
      pos += kPackEntrySize;
      if (e.type != BlobType::data && e.type != BlobType::tree) {
        reason = "unknown blob type in pack " + std::to_string(i);
        return false;
      }
      if (e.domain != 0) {  // format v1 defines key domain 0 only
        reason = "unknown key domain in pack " + std::to_string(i);
        return false;
      }
      if (e.stored_len < 28 || e.offset < kPackPreambleSize) {
        reason = "impossible blob location in pack " + std::to_string(i);
        return false;
      }
      p.blobs.push_back(e);
    }
    out.push_back(std::move(p));
  }
  if (pos != plain.size()) {
    reason = "trailing bytes after the last pack";
    return false;
  }
  return true;
}

}  // namespace strata::repo
