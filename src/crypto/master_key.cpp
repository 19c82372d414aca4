// The repository master secret and the working keys HKDF derives from it per key
// domain (salt "STRA" || domain u32le; one info string per key purpose).
#include <openssl/crypto.h>

#include "crypto/hash.h"
#include "crypto/key_slot.h"
#include "crypto/random.h"

namespace strata::crypto {

MasterKey MasterKey::generate() {
  MasterKey key;
  random_fill(key.secret);
  return key;
}

KeySet KeySet::derive(const MasterKey& master, uint32_t domain) {
  Bytes salt = {'S', 'T', 'R', 'A'};
  put_u32le(salt, domain);
  KeySet keys;
  keys.data_key = hkdf_sha256(master.secret, salt, "strata/v1/data", 32);
  keys.id_key = hkdf_sha256(master.secret, salt, "strata/v1/id", 32);
  keys.chunker_key = hkdf_sha256(master.secret, salt, "strata/v1/chunker", 32);
  keys.config_key = hkdf_sha256(master.secret, salt, "strata/v1/config", 32);
  return keys;
}

}  // namespace strata::crypto
