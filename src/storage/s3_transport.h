// One signed HTTP exchange with an S3 server over libcurl: SigV4 by libcurl
// itself (CURLOPT_AWS_SIGV4), the payload's SHA-256 sent as
// x-amz-content-sha256 so the server checks the body it received, connections
// kept alive in a pool of easy handles so several threads have requests in
// flight at once. No retries here (s3_backend decides), no S3 semantics beyond
// signing.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "storage/s3_credentials.h"

namespace strata::storage {

struct S3TransportOptions {
  std::string region = "us-east-1";
  std::string ca_bundle;           // "" = the system's CA store
  long connect_timeout_ms = 10000;
  long stall_timeout_s = 60;       // abort when less than 1 KiB/s moves for this long
};

struct HttpRequest {
  std::string method = "GET";  // GET HEAD PUT POST DELETE
  std::string url;             // query already canonical (S3Location::url)
  std::vector<std::string> headers;  // "Name: value", signed with the rest
  ByteView body;
  std::string body_sha256;  // hex SHA-256 of body when the caller has it ("" = computed here)
  // For GET: the number of bytes expected, so the body is allocated once.
  uint64_t expected_size = 0;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  Bytes body;
  std::string header(const std::string& lower_name) const;
};

// A failure below HTTP (connection refused or reset, timeout, body cut short):
// always worth a retry.
struct TransportFailure {
  int curl_code = 0;
  std::string message;
};

class S3Transport {
 public:
  S3Transport(S3Credentials credentials, S3TransportOptions options);
  ~S3Transport();
  S3Transport(const S3Transport&) = delete;
  S3Transport& operator=(const S3Transport&) = delete;

  // Performs one attempt. Returns false and fills `failure` when no HTTP
  // answer arrived; true with `response` filled otherwise (any status).
  bool perform(const HttpRequest& request, HttpResponse& response, TransportFailure& failure);

  const S3Credentials& credentials() const { return credentials_; }

 private:
  void* acquire();
  void release(void* handle);

  S3Credentials credentials_;
  S3TransportOptions options_;
  std::string sigv4_;
  std::mutex mu_;
  std::vector<void*> idle_;
};

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(ByteView data);

}  // namespace strata::storage
