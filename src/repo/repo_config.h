// The repository's `config` object: clear-text JSON naming the format version and the
// parameters every client must agree on (chunker sizes, compression, pack size). It is
// authenticated with a MAC under a key derived from the master key, so a tampered
// config is detected as soon as the repository is opened with a key.
#pragma once
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "repo/chunker.h"

namespace strata::repo {

// Format 2 differs from 1 only in how packs are named (pack_format.h); this
// version reads both and writes each repository in its own format.
constexpr int kFormatVersion = 2;

struct RepoConfig {
  int version = kFormatVersion;
  std::string id;       // 64 hex digits, random
  std::string created;  // RFC 3339
  ChunkerParams chunker;
  int compression_level = 3;
  uint32_t pack_size = 16 * 1024 * 1024;

  // JSON text without the mac (canonical: compact, sorted keys).
  std::string canonical_json() const;
  // Full object text including "mac" (hex HMAC-SHA-256 of canonical_json()).
  std::string to_json(ByteView config_key) const;
  // Parses; throws Error(integrity) "repository config <where> is corrupt: …"
  // when malformed (`where` names the object, e.g. "/srv/repo/config"),
  // Error(failure) when the version is newer than this program understands.
  // `authenticated_text` receives the canonical form of every field of the object
  // except "mac" (unknown fields included), which is what the MAC covers.
  static RepoConfig parse(const std::string& text, const std::string& where, std::string& mac_hex,
                          std::string& authenticated_text);
};

}  // namespace strata::repo
