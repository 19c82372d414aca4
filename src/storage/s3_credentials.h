// Where an S3 client's keys and region come from, in the order the AWS tools use:
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the profile
// AWS_PROFILE (default "default") of the shared credentials file
// (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials); region from AWS_REGION /
// AWS_DEFAULT_REGION, else the profile's region in AWS_CONFIG_FILE or
// ~/.aws/config, else us-east-1.
#pragma once
#include <functional>
#include <optional>
#include <string>

namespace strata::storage {

struct S3Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // "" unless temporary credentials
  std::string source;         // for messages: "environment" or "profile default in /root/.aws/credentials"
};

// Reads the environment through `getenv` (tests pass their own). Throws
// Error(usage) naming every place looked at when no keys are found.
S3Credentials resolve_s3_credentials(const std::function<const char*(const char*)>& getenv);
std::string resolve_s3_region(const std::function<const char*(const char*)>& getenv);

// `key` of section `section` in an INI file ("[default]", "[profile x]" in
// config files); nullopt when the file, section or key is absent.
std::optional<std::string> read_ini_value(const std::string& path, const std::string& section,
                                          const std::string& key);

}  // namespace strata::storage
