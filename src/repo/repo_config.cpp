// Serialization and validation of the repository config object.
#include "repo/repo_config.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/json_error.h"
#include "crypto/hash.h"

namespace strata::repo {

using nlohmann::json;

std::string RepoConfig::canonical_json() const {
  json j;
  j["format"] = "strata-repository";
  j["version"] = version;
  j["id"] = id;
  j["created"] = created;
  j["chunker"] = {{"algorithm", "fastcdc-keyed-gear"},
                  {"min_size", chunker.min_size},
                  {"avg_size", chunker.avg_size},
                  {"max_size", chunker.max_size}};
  j["compression"] = {{"algorithm", "zstd"}, {"level", compression_level}};
  j["pack_size"] = pack_size;
  return j.dump();
}

std::string RepoConfig::to_json(ByteView config_key) const {
  json j = json::parse(canonical_json());
  auto mac = crypto::hmac_sha256(config_key, as_bytes(canonical_json()));
  j["mac"] = to_hex(mac);
  return j.dump(2) + "\n";
}

namespace {

Error corrupt(const std::string& where, const std::string& why) {
  return Error(ExitCode::integrity, "repository config " + where + " is corrupt: " + why);
}

}  // namespace

RepoConfig RepoConfig::parse(const std::string& text, const std::string& where, std::string& mac_hex,
                             std::string& authenticated_text) {
  RepoConfig c;
  try {
    json j = json::parse(text);
    if (!j.is_object()) throw corrupt(where, "not a JSON object");
    if (j.at("format").get<std::string>() != "strata-repository")
      throw Error(ExitCode::integrity, where + " is not a Strata repository config");
    c.version = j.at("version").get<int>();
    if (c.version > kFormatVersion)
      throw Error(ExitCode::failure, "repository format version " + std::to_string(c.version) +
                                         " is newer than this strata understands (" +
                                         std::to_string(kFormatVersion) + "); upgrade strata");
    if (c.version < 1) throw corrupt(where, "invalid format version");
    if (j.at("chunker").at("algorithm").get<std::string>() != "fastcdc-keyed-gear" ||
        j.at("compression").at("algorithm").get<std::string>() != "zstd")
      throw corrupt(where, "unknown chunker or compression algorithm");
    c.id = j.at("id").get<std::string>();
    c.created = j.at("created").get<std::string>();
    const auto& ch = j.at("chunker");
    c.chunker.min_size = ch.at("min_size").get<uint32_t>();
    c.chunker.avg_size = ch.at("avg_size").get<uint32_t>();
    c.chunker.max_size = ch.at("max_size").get<uint32_t>();
    c.compression_level = j.at("compression").at("level").get<int>();
    c.pack_size = j.at("pack_size").get<uint32_t>();
    mac_hex = j.at("mac").get<std::string>();
    j.erase("mac");
    authenticated_text = j.dump();
  } catch (const json::exception& e) {
    throw corrupt(where, describe_json_error(e));
  }
  return c;
}

}  // namespace strata::repo
