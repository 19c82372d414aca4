// FastCDC cut-point search with a keyed gear table (see chunker.h).
#include "repo/chunker.h"

#include <bit>

#include "common/error.h"
#include "crypto/hash.h"

namespace strata::repo {

Chunker::Chunker(const ChunkerParams& params, ByteView key) : params_(params) {
  if (params.avg_size == 0 || !std::has_single_bit(params.avg_size) ||
      params.min_size >= params.avg_size || params.avg_size >= params.max_size ||
      params.min_size < 64)
    throw Error(ExitCode::usage, "invalid chunker sizes (need 64 <= min < avg < max, avg a power of two)");
  int bits = std::countr_zero(params.avg_size);
  // Normalization level 2: two more bits before the average, two fewer after.
  int small_bits = std::min(bits + 2, 63), large_bits = std::max(bits - 2, 1);
  // The gear hash mixes new bytes into the low bits and shifts them up, so the
  // high bits depend on the most bytes: test the top bits.
  mask_small_ = ~0ULL << (64 - small_bits);
  mask_large_ = ~0ULL << (64 - large_bits);
  Bytes table = crypto::hkdf_sha256(key, {}, "strata/v1/gear", 256 * 8);
  for (size_t i = 0; i < 256; ++i) gear_[i] = get_u64le(table.data() + 8 * i);
}

size_t Chunker::cut(const uint8_t* data, size_t n) const {
  if (n <= params_.min_size) return n;
  size_t limit = std::min<size_t>(n, params_.max_size);
  size_t normal = std::min<size_t>(limit, params_.avg_size);
  uint64_t h = 0;
  // Bytes before min_size cannot end a chunk; the hash only needs the last 64
  // bytes, so start hashing just before min_size.
  size_t i = params_.min_size - 64;
  for (; i < params_.min_size; ++i) h = (h << 1) + gear_[data[i]];
  for (; i < normal; ++i) {
    h = (h << 1) + gear_[data[i]];
    if ((h & mask_small_) == 0) return i + 1;
  }
  for (; i < limit; ++i) {
    h = (h << 1) + gear_[data[i]];
    if ((h & mask_large_) == 0) return i + 1;
  }
  return limit;
}

}  // namespace strata::repo
