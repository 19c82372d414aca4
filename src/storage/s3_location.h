// Where an S3 repository lives and how its requests are addressed: parsing of
// "s3:http[s]://HOST[:PORT]/BUCKET[/PREFIX]", the AWS URI encoding that SigV4
// signatures depend on, and building request URLs in path-style or
// virtual-hosted style with a canonical (sorted, fully encoded) query string.
// Kept apart from the transport so that the encoding rules are unit-tested.
#pragma once
#include <map>
#include <string>

namespace strata::storage {

enum class S3Addressing { path, virtual_hosted };

struct S3Location {
  std::string scheme;  // "http" or "https"
  std::string host;    // as given, without port
  int port = 0;        // 0: the scheme's default
  std::string bucket;
  std::string prefix;  // "" or "a/b" (no leading or trailing '/')
  S3Addressing addressing = S3Addressing::path;

  // "s3:https://host:port/bucket/prefix" (the form it was parsed from).
  std::string display() const;
  // The object key of a repository object name ("config" -> "prefix/config").
  std::string key_of(const std::string& name) const;
  // "https://host:port" for path style, "https://bucket.host:port" for virtual.
  std::string endpoint() const;
  // URL of the bucket (key empty) or of an object key, with `query` as the
  // canonical query string SigV4 expects (keys sorted, every key with '=').
  std::string url(const std::string& key, const std::map<std::string, std::string>& query = {}) const;
};

// Parses "s3:http[s]://HOST[:PORT]/BUCKET[/PREFIX...]". Throws Error(usage)
// saying what is wrong. Addressing: virtual-hosted for *.amazonaws.com, path
// style otherwise; `addressing` ("path"/"virtual"/"" = automatic) overrides.
S3Location parse_s3_location(const std::string& location, const std::string& addressing = "");

// AWS URI encoding: unreserved characters (A-Z a-z 0-9 - _ . ~) kept, everything
// else %XX with upper-case hex; '/' kept only when `keep_slash`.
std::string aws_uri_encode(const std::string& text, bool keep_slash);

// "a=1&b=%2F" from sorted keys, every key followed by '=' even when empty.
std::string canonical_query(const std::map<std::string, std::string>& query);

}  // namespace strata::storage
