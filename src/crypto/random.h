// Cryptographically secure random bytes (OpenSSL RAND_bytes); aborts the operation
// with an Error if the system RNG fails rather than returning weak bytes.
#pragma once
#include "common/bytes.h"

namespace strata::crypto {

void random_fill(std::span<uint8_t> out);
Bytes random_bytes(size_t n);

}  // namespace strata::crypto
