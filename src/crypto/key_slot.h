// The master key set and the key slots that wrap it. A repository has one random
// 256-bit master secret; every working key (data encryption, blob-id MAC, chunker
// gear table, metadata MAC) is derived from it with HKDF. Key slots (stored in keys/
// in clear JSON) wrap the master secret under a key derived from a passphrase
// (Argon2id, parameters in the slot) or from a key file's 32 random bytes (HKDF).
#pragma once
#include <array>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "crypto/argon2.h"

namespace strata::crypto {

struct MasterKey {
  std::array<uint8_t, 32> secret{};
  static MasterKey generate();
};

// Working keys derived from the master secret for one key domain (domain 0 is the
// repository default; other domains are reserved for per-dataset keys).
struct KeySet {
  Bytes data_key;     // AES-256-GCM key for blobs and sealed metadata objects
  Bytes id_key;       // HMAC-SHA-256 key for blob ids
  Bytes chunker_key;  // seed of the keyed content-defined chunker
  Bytes config_key;   // HMAC key authenticating the clear-text config object
  static KeySet derive(const MasterKey& master, uint32_t domain = 0);
};

// The secret a user presents to open a slot.
struct Secret {
  enum class Kind { passphrase, key_file } kind = Kind::passphrase;
  std::string passphrase;  // for Kind::passphrase
  Bytes key_file_bytes;    // for Kind::key_file: the 32 raw bytes read from the file
};

struct SlotInfo {
  std::string id;       // storage name under keys/ (hex)
  std::string kind;     // "passphrase" or "keyfile"
  std::string label;
  std::string host;
  std::string user;
  std::string created;  // RFC 3339
};

// Builds the JSON text of a new slot wrapping `master` for `secret`. `info` supplies
// label/host/user/created; its id is ignored (the caller names the object).
std::string make_slot(const MasterKey& master, const Secret& secret, const SlotInfo& info,
                      const Argon2Params& params = Argon2Params{});

// Tries to unwrap; nullopt if the secret does not match (or the slot is for the other
// kind of secret). Throws Error(integrity) if the JSON is malformed.
std::optional<MasterKey> open_slot(const std::string& slot_json, const Secret& secret);

// Reads label/kind/host/user/created of a slot (id left empty). Throws on malformed JSON.
SlotInfo describe_slot(const std::string& slot_json);

// Key file text format: "strata-keyfile-v1 <64 hex chars>\n". generate_key_file()
// returns new file contents; parse_key_file() extracts the 32 bytes or throws
// Error(usage) naming the problem.
std::string generate_key_file();
Bytes parse_key_file(const std::string& contents);

}  // namespace strata::crypto
