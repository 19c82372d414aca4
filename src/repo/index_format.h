// Index files: which blobs live in which pack, at which offset. The plaintext
// (before sealing) is
//   "SIX1" || pack_count(u32) || { pack_id(32) || blob_count(u32) || entry*blob_count }*
// with entries encoded exactly as in pack headers (pack_format.h).
#pragma once
#include <string>
#include <vector>

#include "repo/pack_format.h"

namespace strata::repo {

using PackId = crypto::Digest;  // the pack's name: SHA-256 by its version's rule (pack_format.h)

struct IndexedPack {
  PackId id{};
  std::vector<PackEntry> blobs;
};

Bytes encode_index(const std::vector<IndexedPack>& packs);
// Returns false with a reason if malformed.
bool parse_index(ByteView plain, std::vector<IndexedPack>& out, std::string& reason);

}  // namespace strata::repo
