// Secure random bytes for nonces, salts and master keys, straight from OpenSSL's DRBG;
// failure is an Error, never silently weak output.
#include "crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "common/error.h"

namespace strata::crypto {

void random_fill(std::span<uint8_t> out) {
  while (!out.empty()) {
    size_t n = std::min<size_t>(out.size(), INT_MAX);
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
      throw Error(ExitCode::failure, "system random number generator failed (RAND_bytes)");
    }
    out = out.subspan(n);
  }
}

Bytes random_bytes(size_t n) {
  Bytes out(n);
  random_fill(out);
  return out;
}

}  // namespace strata::crypto
