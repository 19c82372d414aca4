// Key slots: clear JSON objects under keys/ that wrap the master secret with AES-256-GCM
// under a key derived from a passphrase (Argon2id) or a key file (HKDF-SHA-256).
#include "crypto/key_slot.h"

#include <openssl/crypto.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/error.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace strata::crypto {
namespace {

using nlohmann::json;

constexpr int kSlotVersion = 1;
constexpr std::string_view kWrapAad = "strata/v1/key-slot";
constexpr std::string_view kKeyFileInfo = "strata/v1/keyfile-slot";
constexpr size_t kSaltSize = 16;
constexpr size_t kWrappedSize = sizeof(MasterKey::secret) + kSealOverhead;
// Upper bounds on Argon2 costs read from a slot, so a tampered slot cannot make us
// allocate absurd memory or spin for hours.
constexpr uint32_t kMaxTimeCost = 100;
constexpr uint32_t kMaxMemoryKib = 4u * 1024 * 1024;  // 4 GiB
constexpr uint32_t kMaxParallelism = 64;

[[noreturn]] void malformed(const std::string& reason) {
  throw Error(ExitCode::integrity, "malformed key slot: " + reason);
}

// Empty string if the Argon2 parameters are acceptable, else what is wrong.
std::string argon2_params_problem(const Argon2Params& p) {
  if (p.time_cost < 1 || p.time_cost > kMaxTimeCost) return "time_cost must be 1..100";
  if (p.parallelism < 1 || p.parallelism > kMaxParallelism) return "parallelism must be 1..64";
  if (p.memory_kib < 8 * p.parallelism || p.memory_kib > kMaxMemoryKib) {
    return "memory_kib must be between 8*parallelism and 4194304 (4 GiB)";
  }
  return {};
}

struct Kdf {
  std::string algorithm;  // "argon2id" or "hkdf-sha256"
  Bytes salt;
  Argon2Params argon2;    // argon2id only
};

struct ParsedSlot {
  SlotInfo info;
  Kdf kdf;
  Bytes wrapped;
};

const json& field(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) malformed(std::string("missing field '") + name + "'");
  return *it;
}

std::string string_field(const json& obj, const char* name) {
  const json& v = field(obj, name);
  if (!v.is_string()) malformed(std::string("field '") + name + "' is not a string");
  return v.get<std::string>();
}

uint32_t u32_field(const json& obj, const char* name) {
  const json& v = field(obj, name);
  if (!v.is_number_unsigned() || v.get<uint64_t>() > std::numeric_limits<uint32_t>::max()) {
    malformed(std::string("field '") + name + "' is not a 32-bit unsigned integer");
  }
  return static_cast<uint32_t>(v.get<uint64_t>());
}

Bytes base64_field(const json& obj, const char* name) {
  Bytes out;
  if (!from_base64(string_field(obj, name), out)) {
    malformed(std::string("field '") + name + "' is not valid base64");
  }
  return out;
}

Kdf parse_kdf(const json& kdf, const std::string& kind) {
  if (!kdf.is_object()) malformed("field 'kdf' is not an object");
  Kdf out;
  out.algorithm = string_field(kdf, "algorithm");
  const char* expected = kind == "passphrase" ? "argon2id" : "hkdf-sha256";
  if (out.algorithm != expected) {
    malformed("kdf algorithm '" + out.algorithm + "' does not fit a " + kind + " slot");
  }
  out.salt = base64_field(kdf, "salt");
  if (out.salt.size() != kSaltSize) malformed("kdf salt must be 16 bytes");
  if (kind == "passphrase") {
    out.argon2.time_cost = u32_field(kdf, "time_cost");
    out.argon2.memory_kib = u32_field(kdf, "memory_kib");
    out.argon2.parallelism = u32_field(kdf, "parallelism");
    std::string problem = argon2_params_problem(out.argon2);
    if (!problem.empty()) malformed("argon2id " + problem);
  }
  return out;
}

// Validates every field of a slot; throws Error(integrity) naming the first problem.
ParsedSlot parse_slot(const std::string& slot_json) {
  json j = json::parse(slot_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) malformed("not valid JSON");
  if (!j.is_object()) malformed("not a JSON object");
  const json& version = field(j, "version");
  if (!version.is_number_integer() || version.get<int64_t>() != kSlotVersion) {
    malformed("unsupported version " + version.dump() + " (expected 1)");
  }
  ParsedSlot slot;
  slot.info.kind = string_field(j, "kind");
  if (slot.info.kind != "passphrase" && slot.info.kind != "keyfile") {
    malformed("unknown kind '" + slot.info.kind + "'");
  }
  slot.info.label = string_field(j, "label");
  slot.info.host = string_field(j, "host");
  slot.info.user = string_field(j, "user");
  slot.info.created = string_field(j, "created");
  slot.kdf = parse_kdf(field(j, "kdf"), slot.info.kind);
  slot.wrapped = base64_field(j, "wrapped");
  if (slot.wrapped.size() != kWrappedSize) malformed("wrapped key must be 60 bytes");
  return slot;
}

const char* kind_name(Secret::Kind kind) {
  return kind == Secret::Kind::passphrase ? "passphrase" : "keyfile";
}

// The key-encryption key for `secret` under the slot's KDF settings.
Bytes derive_kek(const Secret& secret, const Kdf& kdf) {
  if (secret.kind == Secret::Kind::passphrase) {
    return argon2id(secret.passphrase, kdf.salt, kdf.argon2, kKeySize);
  }
  if (secret.key_file_bytes.size() != 32) {
    throw Error(ExitCode::usage, "key file secret must be 32 bytes");
  }
  return hkdf_sha256(secret.key_file_bytes, kdf.salt, kKeyFileInfo, kKeySize);
}

}  // namespace

std::string make_slot(const MasterKey& master, const Secret& secret, const SlotInfo& info,
                      const Argon2Params& params) {
  Kdf kdf{.salt = random_bytes(kSaltSize), .argon2 = params};
  json kdf_json;
  if (secret.kind == Secret::Kind::passphrase) {
    if (secret.passphrase.empty()) throw Error(ExitCode::usage, "passphrase must not be empty");
    std::string problem = argon2_params_problem(params);
    if (!problem.empty()) throw Error(ExitCode::usage, "argon2id parameters: " + problem);
    kdf_json = {{"algorithm", "argon2id"},       {"time_cost", params.time_cost},
                {"memory_kib", params.memory_kib}, {"parallelism", params.parallelism},
                {"salt", to_base64(kdf.salt)}};
  } else {
    kdf_json = {{"algorithm", "hkdf-sha256"}, {"salt", to_base64(kdf.salt)}};
  }
  Bytes kek = derive_kek(secret, kdf);
  Bytes wrapped = Aead(kek).seal(master.secret, as_bytes(kWrapAad));
  OPENSSL_cleanse(kek.data(), kek.size());
  json slot = {{"version", kSlotVersion}, {"kind", kind_name(secret.kind)},
               {"label", info.label},     {"host", info.host},
               {"user", info.user},       {"created", info.created},
               {"kdf", kdf_json},         {"wrapped", to_base64(wrapped)}};
  return slot.dump(2) + "\n";
}

std::optional<MasterKey> open_slot(const std::string& slot_json, const Secret& secret) {
  ParsedSlot slot = parse_slot(slot_json);
  if (slot.info.kind != kind_name(secret.kind)) return std::nullopt;
  Bytes kek = derive_kek(secret, slot.kdf);
  Aead aead(kek);
  OPENSSL_cleanse(kek.data(), kek.size());
  Bytes plain;
  if (!aead.open(slot.wrapped, as_bytes(kWrapAad), plain)) return std::nullopt;
  if (plain.size() != sizeof(MasterKey::secret)) malformed("wrapped secret is not 32 bytes");
  MasterKey master;
  std::copy(plain.begin(), plain.end(), master.secret.begin());
  OPENSSL_cleanse(plain.data(), plain.size());
  return master;
}

SlotInfo describe_slot(const std::string& slot_json) { return parse_slot(slot_json).info; }

}  // namespace strata::crypto
