// Argon2id passphrase stretching (libargon2) for passphrase key slots.
#pragma once
#include <cstdint>
#include <string_view>

#include "common/bytes.h"

namespace strata::crypto {

struct Argon2Params {
  uint32_t time_cost = 3;          // iterations
  uint32_t memory_kib = 64 * 1024; // 64 MiB
  uint32_t parallelism = 2;
};

// Derives `length` bytes; throws Error on invalid parameters.
Bytes argon2id(std::string_view passphrase, ByteView salt, const Argon2Params& params,
               size_t length);

}  // namespace strata::crypto
