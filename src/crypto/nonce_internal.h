// Fast random AEAD nonces for the crypto layer: per-thread batches of RAND_bytes output,
// discarded in a forked child so parent and child can never hand out the same nonce.
#pragma once
#include <cstdint>
#include <span>

namespace strata::crypto {

// Fills `out` (at most 64 bytes) with fresh CSPRNG bytes never returned before in this
// process. Thread-safe (per-thread buffers); throws Error if the system RNG fails.
void fill_nonce(std::span<uint8_t> out);

}  // namespace strata::crypto
