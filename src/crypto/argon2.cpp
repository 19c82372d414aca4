// Argon2id passphrase stretching for passphrase key slots, delegated to libargon2.
#include "crypto/argon2.h"

#include <argon2.h>

#include <string>

#include "common/error.h"

namespace strata::crypto {

Bytes argon2id(std::string_view passphrase, ByteView salt, const Argon2Params& params,
               size_t length) {
  Bytes out(length);
  int rc = argon2id_hash_raw(params.time_cost, params.memory_kib, params.parallelism,
                             passphrase.data(), passphrase.size(), salt.data(), salt.size(),
                             out.data(), out.size());
  if (rc != ARGON2_OK) {
    throw Error(ExitCode::usage, std::string("argon2id failed: ") + argon2_error_message(rc));
  }
  return out;
}

}  // namespace strata::crypto
