// Keyed content-defined chunking (FastCDC with normalized chunking). The gear table
// is derived from the repository's chunker key, so chunk boundaries and sizes depend
// on a secret and cannot be used to fingerprint known files stored in the repository.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "common/bytes.h"

namespace strata::repo {

struct ChunkerParams {
  uint32_t min_size = 512 * 1024;
  uint32_t avg_size = 1024 * 1024;  // must be a power of two
  uint32_t max_size = 8 * 1024 * 1024;
};

class Chunker {
 public:
  // key: the chunker key from crypto::KeySet (any length; expanded with HKDF).
  Chunker(const ChunkerParams& params, ByteView key);

  // Length of the first chunk of data[0..n): the first boundary, or n when there is
  // none in data[0..n) (always when n <= min_size), never more than max_size. A
  // boundary found in a prefix of the input is the boundary of the whole input, so a
  // caller may pass what it has read so far and read more only when the result is n
  // (and n < max_size and the input goes on).
  size_t cut(const uint8_t* data, size_t n) const;

  const ChunkerParams& params() const { return params_; }

 private:
  ChunkerParams params_;
  uint64_t mask_small_;  // stricter mask before the average size
  uint64_t mask_large_;  // looser mask after it
  std::array<uint64_t, 256> gear_{};
};

}  // namespace strata::repo
