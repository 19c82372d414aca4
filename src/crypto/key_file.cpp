// Key file text format "strata-keyfile-v1 <64 hex>\n": an alternative to a passphrase
// carrying 32 random bytes, used to open "keyfile" key slots.
#include <openssl/crypto.h>

#include <string_view>

#include "common/error.h"
#include "crypto/key_slot.h"
#include "crypto/random.h"

namespace strata::crypto {
namespace {

constexpr std::string_view kPrefix = "strata-keyfile-v1 ";
constexpr size_t kSecretBytes = 32;

}  // namespace

std::string generate_key_file() {
  Bytes secret = random_bytes(kSecretBytes);
  std::string text = std::string(kPrefix) + to_hex(secret) + "\n";
  OPENSSL_cleanse(secret.data(), secret.size());
  return text;
}

Bytes parse_key_file(const std::string& contents) {
  std::string_view text = contents;
  size_t end = text.find_last_not_of(" \t\r\n");
  text = end == std::string_view::npos ? std::string_view{} : text.substr(0, end + 1);
  Bytes secret;
  if (!text.starts_with(kPrefix) || text.size() != kPrefix.size() + 2 * kSecretBytes ||
      !from_hex(text.substr(kPrefix.size()), secret)) {
    throw Error(ExitCode::usage,
                "key file is not a Strata key file (expected 'strata-keyfile-v1 <64 hex>')");
  }
  return secret;
}

}  // namespace strata::crypto
