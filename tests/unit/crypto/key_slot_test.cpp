// Master key derivation, key slot wrap/unwrap for both secret kinds, tamper handling
// and the key file format.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/error.h"
#include "crypto/hash.h"
#include "crypto/key_slot.h"

using namespace strata;
using namespace strata::crypto;
using nlohmann::json;

namespace {

const Argon2Params kFast{.time_cost = 1, .memory_kib = 8 * 1024, .parallelism = 1};

Secret passphrase(std::string p) { return {.kind = Secret::Kind::passphrase, .passphrase = p}; }
Secret key_file(Bytes b) { return {.kind = Secret::Kind::key_file, .key_file_bytes = b}; }

SlotInfo info() {
  return {.label = "laptop", .host = "h1", .user = "alice", .created = "2026-01-02T03:04:05Z"};
}

ExitCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

}  // namespace

TEST(KeySet, DerivesDistinctDomainSeparatedKeys) {
  MasterKey m = MasterKey::generate();
  EXPECT_NE(m.secret, MasterKey::generate().secret);
  KeySet k = KeySet::derive(m);
  for (const Bytes* key : {&k.data_key, &k.id_key, &k.chunker_key, &k.config_key}) {
    EXPECT_EQ(key->size(), 32u);
  }
  EXPECT_NE(k.data_key, k.id_key);
  EXPECT_NE(k.chunker_key, k.config_key);
  Bytes salt0 = {'S', 'T', 'R', 'A', 0, 0, 0, 0};
  EXPECT_EQ(k.data_key, hkdf_sha256(m.secret, salt0, "strata/v1/data", 32));
  EXPECT_EQ(k.id_key, hkdf_sha256(m.secret, salt0, "strata/v1/id", 32));
  EXPECT_EQ(k.chunker_key, hkdf_sha256(m.secret, salt0, "strata/v1/chunker", 32));
  EXPECT_EQ(k.config_key, hkdf_sha256(m.secret, salt0, "strata/v1/config", 32));
  Bytes salt7 = {'S', 'T', 'R', 'A', 7, 1, 0, 0};
  KeySet k7 = KeySet::derive(m, 0x107);
  EXPECT_EQ(k7.data_key, hkdf_sha256(m.secret, salt7, "strata/v1/data", 32));
  EXPECT_EQ(KeySet::derive(m).data_key, k.data_key);
}

TEST(KeySet, FixedVector) {
  // Master secret 00 01 .. 1f, domain 0; computed independently (Python hmac/hashlib).
  MasterKey m;
  for (size_t i = 0; i < m.secret.size(); ++i) m.secret[i] = static_cast<uint8_t>(i);
  KeySet k = KeySet::derive(m);
  EXPECT_EQ(to_hex(k.data_key), "d3135222b9ab0a1fb6b13fc597070c2b50910f7cfb58cf0d04e75fa2b8c5c207");
  EXPECT_EQ(to_hex(k.id_key), "cb611230eae47f19bdaa6a7c179c7feef7b6cdfd44226070fc3175c47edbab2b");
  EXPECT_EQ(to_hex(k.chunker_key),
            "dbc90915fb7b6ba3ea8b8c42283d3ee676e4c355ea863f42950c9e134e8e3f17");
  EXPECT_EQ(to_hex(k.config_key),
            "7e665edd4c505d117e8f76a26975879accae6e88f20d90c77f7a9315c04071ea");
}

TEST(KeySlot, PassphraseRoundTrip) {
  MasterKey m = MasterKey::generate();
  std::string slot = make_slot(m, passphrase("hunter2"), info(), kFast);
  auto opened = open_slot(slot, passphrase("hunter2"));
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->secret, m.secret);
  EXPECT_FALSE(open_slot(slot, passphrase("hunter3")).has_value());
  EXPECT_FALSE(open_slot(slot, key_file(Bytes(32, 1))).has_value());  // other kind

  json j = json::parse(slot);
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["kind"], "passphrase");
  EXPECT_EQ(j["kdf"]["algorithm"], "argon2id");
  EXPECT_EQ(j["kdf"]["time_cost"], 1);
  EXPECT_EQ(j["kdf"]["memory_kib"], 8192);
  EXPECT_EQ(j["kdf"]["parallelism"], 1);
  Bytes salt, wrapped;
  ASSERT_TRUE(from_base64(j["kdf"]["salt"].get<std::string>(), salt));
  EXPECT_EQ(salt.size(), 16u);
  ASSERT_TRUE(from_base64(j["wrapped"].get<std::string>(), wrapped));
  EXPECT_EQ(wrapped.size(), 60u);
  EXPECT_NE(slot.find("\n  \"created\""), std::string::npos);  // 2-space pretty print
}

TEST(KeySlot, KeyFileRoundTrip) {
  MasterKey m = MasterKey::generate();
  Bytes kf = parse_key_file(generate_key_file());
  std::string slot = make_slot(m, key_file(kf), info());
  auto opened = open_slot(slot, key_file(kf));
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->secret, m.secret);
  Bytes wrong = kf;
  wrong[31] ^= 1;
  EXPECT_FALSE(open_slot(slot, key_file(wrong)).has_value());
  EXPECT_FALSE(open_slot(slot, passphrase("anything")).has_value());
  json j = json::parse(slot);
  EXPECT_EQ(j["kind"], "keyfile");
  EXPECT_EQ(j["kdf"]["algorithm"], "hkdf-sha256");
  EXPECT_FALSE(j["kdf"].contains("memory_kib"));
}

TEST(KeySlot, SaltsAreFreshPerSlot) {
  MasterKey m = MasterKey::generate();
  std::string a = make_slot(m, passphrase("pw"), info(), kFast);
  std::string b = make_slot(m, passphrase("pw"), info(), kFast);
  EXPECT_NE(json::parse(a)["kdf"]["salt"], json::parse(b)["kdf"]["salt"]);
  EXPECT_NE(json::parse(a)["wrapped"], json::parse(b)["wrapped"]);
}

TEST(KeySlot, DescribeReadsMetadata) {
  std::string slot = make_slot(MasterKey::generate(), passphrase("pw"), info(), kFast);
  SlotInfo d = describe_slot(slot);
  EXPECT_EQ(d.id, "");
  EXPECT_EQ(d.kind, "passphrase");
  EXPECT_EQ(d.label, "laptop");
  EXPECT_EQ(d.host, "h1");
  EXPECT_EQ(d.user, "alice");
  EXPECT_EQ(d.created, "2026-01-02T03:04:05Z");
}

TEST(KeySlot, TamperedWrappedBytesDoNotOpen) {
  std::string slot = make_slot(MasterKey::generate(), passphrase("pw"), info(), kFast);
  json j = json::parse(slot);
  Bytes wrapped;
  ASSERT_TRUE(from_base64(j["wrapped"].get<std::string>(), wrapped));
  wrapped[20] ^= 1;
  j["wrapped"] = to_base64(wrapped);
  EXPECT_FALSE(open_slot(j.dump(), passphrase("pw")).has_value());
}

TEST(KeySlot, MalformedSlotsAreIntegrityErrors) {
  std::string slot = make_slot(MasterKey::generate(), passphrase("pw"), info(), kFast);
  const json good = json::parse(slot);
  std::vector<std::pair<std::string, std::function<void(json&)>>> cases = {
      {"version 2", [](json& j) { j["version"] = 2; }},
      {"version string", [](json& j) { j["version"] = "1"; }},
      {"unknown kind", [](json& j) { j["kind"] = "smartcard"; }},
      {"missing label", [](json& j) { j.erase("label"); }},
      {"label not string", [](json& j) { j["label"] = 5; }},
      {"missing kdf", [](json& j) { j.erase("kdf"); }},
      {"wrong algorithm", [](json& j) { j["kdf"]["algorithm"] = "scrypt"; }},
      {"bad wrapped base64", [](json& j) { j["wrapped"] = "not*base64!"; }},
      {"short wrapped", [](json& j) { j["wrapped"] = "AAAA"; }},
      {"bad salt base64", [](json& j) { j["kdf"]["salt"] = "@@@@"; }},
      {"short salt", [](json& j) { j["kdf"]["salt"] = "AAAA"; }},
      {"huge memory", [](json& j) { j["kdf"]["memory_kib"] = 64u * 1024 * 1024; }},
      {"memory > u32", [](json& j) { j["kdf"]["memory_kib"] = 1ull << 40; }},
      {"huge time", [](json& j) { j["kdf"]["time_cost"] = 1000000; }},
      {"zero parallelism", [](json& j) { j["kdf"]["parallelism"] = 0; }},
      {"negative time", [](json& j) { j["kdf"]["time_cost"] = -1; }},
      {"float memory", [](json& j) { j["kdf"]["memory_kib"] = 8192.5; }},
  };
  for (auto& [name, mutate] : cases) {
    json j = good;
    mutate(j);
    EXPECT_EQ(code_of([&] { open_slot(j.dump(2), passphrase("pw")); }), ExitCode::integrity)
        << name;
    EXPECT_EQ(code_of([&] { describe_slot(j.dump(2)); }), ExitCode::integrity) << name;
  }
  for (std::string text : {"", "{", "[]", "42", "null"}) {
    EXPECT_EQ(code_of([&] { open_slot(text, passphrase("pw")); }), ExitCode::integrity) << text;
  }
  try {
    json j = good;
    j["version"] = 2;
    open_slot(j.dump(), passphrase("pw"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("malformed key slot: ", 0), 0u) << e.what();
  }
}

TEST(KeySlot, MakeRejectsBadInput) {
  MasterKey m = MasterKey::generate();
  EXPECT_EQ(code_of([&] { make_slot(m, passphrase(""), info(), kFast); }), ExitCode::usage);
  EXPECT_EQ(code_of([&] {
              make_slot(m, passphrase("pw"), info(), {.time_cost = 0, .memory_kib = 8192});
            }),
            ExitCode::usage);
  EXPECT_EQ(code_of([&] { make_slot(m, key_file(Bytes(31, 1)), info()); }), ExitCode::usage);
}

TEST(KeyFile, GenerateAndParse) {
  std::string text = generate_key_file();
  EXPECT_TRUE(std::regex_match(text, std::regex("strata-keyfile-v1 [0-9a-f]{64}\n"))) << text;
  EXPECT_NE(text, generate_key_file());
  Bytes bytes = parse_key_file(text);
  ASSERT_EQ(bytes.size(), 32u);
  EXPECT_EQ("strata-keyfile-v1 " + to_hex(bytes) + "\n", text);
  std::string bare = text.substr(0, text.size() - 1);
  EXPECT_EQ(parse_key_file(bare), bytes);
  EXPECT_EQ(parse_key_file(bare + " \r\n\n\t"), bytes);
}

TEST(KeyFile, RejectsOtherContent) {
  std::string hex64(64, 'a');
  for (std::string bad : {std::string(""), std::string("\n"), "strata-keyfile-v1 " + hex64.substr(2),
                          "strata-keyfile-v1 " + hex64 + "00", "strata-keyfile-v2 " + hex64,
                          "strata-keyfile-v1  " + hex64, " strata-keyfile-v1 " + hex64,
                          "strata-keyfile-v1 " + hex64.substr(1) + "g",
                          "strata-keyfile-v1 " + hex64 + "\nextra"}) {
    try {
      parse_key_file(bad);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
      EXPECT_STREQ(e.what(),
                   "key file is not a Strata key file (expected 'strata-keyfile-v1 <64 hex>')");
    }
  }
}
