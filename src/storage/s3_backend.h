// S3-compatible object storage as a repository Backend (AWS S3, Ceph RGW, MinIO
// ...). Each repository object is one S3 object under the location's prefix.
// put() is one signed PUT (multipart above a threshold) whose body the server
// checks against its SHA-256; every full read is checked against the SHA-256
// stored with the object; put_if_absent() is a conditional PUT
// (If-None-Match: *). Requests that fail below HTTP or with 5xx/429/SlowDown
// are retried with jittered exponential backoff, each retry logged as a warning (common/log.h).
// Thread-safe: the repository's worker threads have requests in flight at once.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <random>

#include "storage/backend.h"
#include "storage/s3_location.h"
#include "storage/s3_retry.h"
#include "storage/s3_transport.h"
#include "storage/tiering.h"

namespace strata::storage {

struct S3Options {
  std::string addressing;               // "path", "virtual", "" = automatic
  S3TransportOptions transport;
  RetryPolicy retry;
  std::string data_storage_class;       // for packs ("" = the bucket's default, STANDARD)
  uint64_t multipart_threshold = 64ull << 20;  // objects larger than this go in parts
  uint64_t part_size = 16ull << 20;            // at least 5 MiB (the S3 minimum)
  bool log_retries = true;
  BackendContext context;  // retry pauses wait on its clock and end on its cancellation

  // STRATA_S3_* and AWS_* variables through `getenv` (docs/config.md lists them).
  static S3Options from_environment(const std::function<const char*(const char*)>& getenv);
};

class S3Backend : public Backend, public StorageClasses {
 public:
  S3Backend(S3Location location, S3Credentials credentials, S3Options options);

  std::string location() const override { return location_.display(); }
  bool remote() const override { return true; }
  void put(const std::string& name, ByteView data) override;
  bool put_if_absent(const std::string& name, ByteView data) override;
  Bytes get(const std::string& name) override;
  Bytes get_range(const std::string& name, uint64_t offset, uint64_t length) override;
  std::optional<uint64_t> stat(const std::string& name) override;
  std::vector<ObjectInfo> list(const std::string& prefix) override;
  void remove(const std::string& name) override;
  // Aborts unfinished multipart uploads below the prefix (crashed puts).
  size_t remove_stale_temporaries() override;
  bool create_root() override;

  // Storage class of one object (HEAD), "STANDARD" when the server names none.
  std::string storage_class(const std::string& name);
  // Rewrites an object in place with another storage class (server-side copy).
  void set_storage_class(const std::string& name, const std::string& storage_class) override;

  const S3Location& s3_location() const { return location_; }

 private:
  // Sends `req` until it gets an answer that is not worth retrying, or the
  // attempts run out (then throws Error(io) naming `what` and the last failure).
  HttpResponse send(HttpRequest req, const std::string& what);
  // Error for an unexpected answer: "<what>: HTTP 403 AccessDenied: message".
  Error http_error(const std::string& what, const HttpResponse& r) const;
  // HEAD of an object: nullopt when absent, Error for any other failure.
  std::optional<HttpResponse> head_object(const std::string& name);
  // A failed HEAD's answer, with the error body a GET of the same URL returns.
  HttpResponse with_error_body(const HttpRequest& head, HttpResponse r, const std::string& what);
  std::string storage_class_for(const std::string& name) const;
  void put_multipart(const std::string& name, ByteView data, const std::string& digest);

  S3Location location_;
  S3Options options_;
  S3Transport transport_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
};

}  // namespace strata::storage
