// S3 credential and region resolution (see s3_credentials.h).
#include "storage/s3_credentials.h"

#include <fstream>

#include "common/error.h"

namespace strata::storage {
namespace {

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string env_or(const std::function<const char*(const char*)>& getenv, const char* name,
                   const std::string& fallback) {
  const char* v = getenv(name);
  return v && *v ? std::string(v) : fallback;
}

std::string home_file(const std::function<const char*(const char*)>& getenv, const char* var,
                      const char* relative) {
  if (const char* v = getenv(var); v && *v) return v;
  const char* home = getenv("HOME");
  return std::string(home && *home ? home : "") + "/" + relative;
}

}  // namespace

std::optional<std::string> read_ini_value(const std::string& path, const std::string& section,
                                          const std::string& key) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string line, current;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      current = trim(line.substr(1, line.size() - 2));
      continue;
    }
    if (current != section) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    if (trim(line.substr(0, eq)) == key) return trim(line.substr(eq + 1));
  }
  return std::nullopt;
}

S3Credentials resolve_s3_credentials(const std::function<const char*(const char*)>& getenv) {
  S3Credentials c;
  c.access_key = env_or(getenv, "AWS_ACCESS_KEY_ID", "");
  c.secret_key = env_or(getenv, "AWS_SECRET_ACCESS_KEY", "");
  if (!c.access_key.empty() || !c.secret_key.empty()) {
    if (c.access_key.empty() || c.secret_key.empty())
      throw Error(ExitCode::usage, "S3 credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set");
    c.session_token = env_or(getenv, "AWS_SESSION_TOKEN", "");
    c.source = "environment";
    return c;
  }
  const std::string profile = env_or(getenv, "AWS_PROFILE", "default");
  const std::string file = home_file(getenv, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  auto ak = read_ini_value(file, profile, "aws_access_key_id");
  auto sk = read_ini_value(file, profile, "aws_secret_access_key");
  if (!ak || !sk)
    throw Error(ExitCode::usage, "S3 credentials: none found (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY unset, no "
                                 "aws_access_key_id and aws_secret_access_key in profile '" +
                                     profile + "' of " + file + ")");
  c.access_key = *ak;
  c.secret_key = *sk;
  c.session_token = read_ini_value(file, profile, "aws_session_token").value_or("");
  c.source = "profile " + profile + " in " + file;
  return c;
}

std::string resolve_s3_region(const std::function<const char*(const char*)>& getenv) {
  std::string region = env_or(getenv, "AWS_REGION", env_or(getenv, "AWS_DEFAULT_REGION", ""));
  if (!region.empty()) return region;
  const std::string profile = env_or(getenv, "AWS_PROFILE", "default");
  const std::string file = home_file(getenv, "AWS_CONFIG_FILE", ".aws/config");
  auto r = read_ini_value(file, profile == "default" ? "default" : "profile " + profile, "region");
  return r && !r->empty() ? *r : "us-east-1";
}

}  // namespace strata::storage
