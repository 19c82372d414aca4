// S3Backend: the Backend contract over S3 requests (see s3_backend.h).
#include "storage/s3_backend.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "common/error.h"
#include "common/log.h"
#include "storage/object_name_internal.h"
#include "storage/s3_xml.h"

namespace strata::storage {
namespace {

constexpr uint64_t kMinPartSize = 5ull << 20;
constexpr const char* kDigestHeader = "x-amz-meta-sha256";

std::string s3_code(const HttpResponse& r) { return xml_text(to_string(r.body), "Code"); }

uint64_t env_u64(const std::function<const char*(const char*)>& getenv, const char* name, uint64_t fallback) {
  const char* v = getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  if (end == v) throw Error(ExitCode::usage, std::string(name) + "='" + v + "' is not a number");
  std::string suffix = end;
  if (suffix == "K" || suffix == "KiB") n <<= 10;
  else if (suffix == "M" || suffix == "MiB") n <<= 20;
  else if (suffix == "G" || suffix == "GiB") n <<= 30;
  else if (!suffix.empty()) throw Error(ExitCode::usage, std::string(name) + "='" + v + "': unknown unit '" + suffix + "'");
  return n;
}

std::string env_str(const std::function<const char*(const char*)>& getenv, const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

}  // namespace

S3Options S3Options::from_environment(const std::function<const char*(const char*)>& getenv) {
  S3Options o;
  o.addressing = env_str(getenv, "STRATA_S3_ADDRESSING");
  o.transport.region = env_str(getenv, "STRATA_S3_REGION");
  if (o.transport.region.empty()) o.transport.region = resolve_s3_region(getenv);
  o.transport.ca_bundle = env_str(getenv, "STRATA_S3_CA_BUNDLE");
  if (o.transport.ca_bundle.empty()) o.transport.ca_bundle = env_str(getenv, "AWS_CA_BUNDLE");
  o.transport.connect_timeout_ms = static_cast<long>(env_u64(getenv, "STRATA_S3_CONNECT_TIMEOUT", 10) * 1000);
  o.transport.stall_timeout_s = static_cast<long>(env_u64(getenv, "STRATA_S3_STALL_TIMEOUT", 60));
  o.retry.max_attempts = static_cast<int>(std::max<uint64_t>(1, env_u64(getenv, "STRATA_S3_ATTEMPTS", 6)));
  o.retry.base_ms = static_cast<int64_t>(env_u64(getenv, "STRATA_S3_RETRY_BASE_MS", 100));
  o.retry.max_ms = static_cast<int64_t>(env_u64(getenv, "STRATA_S3_RETRY_MAX_MS", 5000));
  o.data_storage_class = env_str(getenv, "STRATA_S3_STORAGE_CLASS");
  o.multipart_threshold = env_u64(getenv, "STRATA_S3_MULTIPART_THRESHOLD", o.multipart_threshold);
  o.part_size = std::max(kMinPartSize, env_u64(getenv, "STRATA_S3_PART_SIZE", o.part_size));
  return o;
}

S3Backend::S3Backend(S3Location location, S3Credentials credentials, S3Options options)
    : location_(std::move(location)),
      options_(std::move(options)),
      transport_(std::move(credentials), options_.transport),
      rng_(std::random_device{}()) {}

HttpResponse S3Backend::send(HttpRequest req, const std::string& what) {
  HttpResponse resp;
  TransportFailure failure;
  std::string last;
  for (int attempt = 1;; ++attempt) {
    bool answered = transport_.perform(req, resp, failure);
    if (answered) {
      std::string code = resp.status >= 400 ? s3_code(resp) : "";
      if (!retryable_status(resp.status, code)) return resp;
      last = "HTTP " + std::to_string(resp.status) + (code.empty() ? "" : " " + code);
    } else {
      last = failure.message;
    }
    if (attempt >= options_.retry.max_attempts) {
      std::string why = answered ? last : "cannot reach the server: " + last;
      throw Error(ExitCode::io, what + ": " + why + " (gave up after " + std::to_string(attempt) +
                                    (attempt == 1 ? " attempt)" : " attempts)"));
    }
    int64_t wait;
    {
      std::lock_guard lock(rng_mu_);
      wait = backoff_ms(options_.retry, attempt + 1, rng_);
    }
    if (options_.log_retries)
      log_warning(what + ": " + last + "; retry " + std::to_string(attempt) + " of " +
                  std::to_string(options_.retry.max_attempts - 1) + " in " + std::to_string(wait) + " ms");
    if (!options_.context.clock->sleep_for_ms(wait, options_.context.cancel))
      options_.context.cancel.throw_if_cancelled();
  }
}

Error S3Backend::http_error(const std::string& what, const HttpResponse& r) const {
  const std::string body = to_string(r.body);
  const std::string code = xml_text(body, "Code");
  const std::string message = xml_text(body, "Message");
  std::string text = what + ": HTTP " + std::to_string(r.status) + (code.empty() ? "" : " " + code) +
                     (message.empty() ? "" : ": " + message);
  if (code == "SignatureDoesNotMatch")
    text += " (the secret key does not match the access key; credentials from " +
            transport_.credentials().source + ")";
  else if (code == "InvalidAccessKeyId")
    text += " (the server does not know access key " + transport_.credentials().access_key +
            "; credentials from " + transport_.credentials().source + ")";
  else if (code == "NoSuchBucket")
    text += " (bucket " + location_.bucket + " does not exist; 'strata init' creates it)";
  else if (code == "InvalidObjectState")
    text += " (the object is in an archive storage class: restore it to a readable class first; "
            "'strata restore --plan' lists what a restore needs)";
  else if (r.status == 403)
    text += " (credentials from " + transport_.credentials().source + ")";
  // AccessDenied (a read-only policy or bucket) is this backend's EACCES: a reader
  // may then go on without a lock; a bad signature or key is not such a refusal.
  return Error(ExitCode::io, text, {}, code == "AccessDenied" ? EACCES : 0);
}

HttpResponse S3Backend::with_error_body(const HttpRequest& head, HttpResponse r, const std::string& what) {
  // HEAD answers carry no body, so no error code: ask once more with a GET of
  // nothing (a one-byte range) to learn why, e.g. SignatureDoesNotMatch.
  if (r.status < 400 || r.status == 404) return r;
  HttpRequest get;
  get.url = head.url;
  get.headers = {"Range: bytes=0-0"};
  HttpResponse g = send(std::move(get), what);
  return g.status >= 400 && !g.body.empty() ? g : r;
}

std::string S3Backend::storage_class_for(const std::string& name) const {
  // Metadata (config, keys, index, snapshots, locks, records) always stays in
  // the immediately readable default class.
  return name.starts_with("data/") ? options_.data_storage_class : "";
}

void S3Backend::put(const std::string& name, ByteView data) {
  check_object_name(name);
  const std::string key = location_.key_of(name);
  const std::string digest = sha256_hex(data);
  if (data.size() > options_.multipart_threshold) return put_multipart(name, data, digest);
  HttpRequest req;
  req.method = "PUT";
  req.url = location_.url(key);
  req.body = data;
  req.body_sha256 = digest;
  req.headers = {"Content-Type: application/octet-stream", std::string(kDigestHeader) + ": " + digest};
  if (auto sc = storage_class_for(name); !sc.empty()) req.headers.push_back("x-amz-storage-class: " + sc);
  const std::string what = location() + "/" + name + ": PUT";
  HttpResponse r = send(std::move(req), what);
  if (r.status != 200) throw http_error(what, r);
}

void S3Backend::put_multipart(const std::string& name, ByteView data, const std::string& digest) {
  const std::string key = location_.key_of(name);
  const std::string what = location() + "/" + name;
  HttpRequest init;
  init.method = "POST";
  init.url = location_.url(key, {{"uploads", ""}});
  init.headers = {"Content-Type: application/octet-stream", std::string(kDigestHeader) + ": " + digest};
  if (auto sc = storage_class_for(name); !sc.empty()) init.headers.push_back("x-amz-storage-class: " + sc);
  HttpResponse r = send(init, what + ": starting a multipart upload");
  if (r.status != 200) throw http_error(what + ": starting a multipart upload", r);
  const std::string upload_id = xml_text(to_string(r.body), "UploadId");
  if (upload_id.empty()) throw Error(ExitCode::io, what + ": the server answered a multipart start without an UploadId");
  try {
    std::string parts;
    const uint64_t part = std::max(kMinPartSize, options_.part_size);
    int number = 1;
    for (uint64_t off = 0; off < data.size(); off += part, ++number) {
      HttpRequest put;
      put.method = "PUT";
      put.url = location_.url(key, {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}});
      put.body = data.subspan(off, std::min<uint64_t>(part, data.size() - off));
      put.headers = {"Content-Type: application/octet-stream"};
      const std::string pwhat = what + ": part " + std::to_string(number);
      HttpResponse pr = send(std::move(put), pwhat);
      if (pr.status != 200) throw http_error(pwhat, pr);
      std::string etag = pr.header("etag");
      if (etag.empty()) throw Error(ExitCode::io, pwhat + ": the server answered without an ETag");
      parts += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + xml_escape(etag) +
               "</ETag></Part>";
    }
    const std::string body = "<CompleteMultipartUpload>" + parts + "</CompleteMultipartUpload>";
    HttpRequest done;
    done.method = "POST";
    done.url = location_.url(key, {{"uploadId", upload_id}});
    done.body = as_bytes(body);
    done.headers = {"Content-Type: application/xml"};
    HttpResponse dr = send(std::move(done), what + ": completing a multipart upload");
    // CompleteMultipartUpload may fail after a 200 status, with an <Error> body.
    if (dr.status != 200 || to_string(dr.body).find("<Error>") != std::string::npos)
      throw http_error(what + ": completing a multipart upload", dr);
  } catch (...) {
    HttpRequest abort;
    abort.method = "DELETE";
    abort.url = location_.url(key, {{"uploadId", upload_id}});
    try {
      send(std::move(abort), what + ": aborting a multipart upload");
    } catch (const Error&) {
      // Left for remove_stale_temporaries (prune) to abort.
    }
    throw;
  }
}

bool S3Backend::put_if_absent(const std::string& name, ByteView data) {
  check_object_name(name);
  const std::string digest = sha256_hex(data);
  HttpRequest req;
  req.method = "PUT";
  req.url = location_.url(location_.key_of(name));
  req.body = data;
  req.body_sha256 = digest;
  req.headers = {"Content-Type: application/octet-stream", std::string(kDigestHeader) + ": " + digest,
                 "If-None-Match: *"};
  if (auto sc = storage_class_for(name); !sc.empty()) req.headers.push_back("x-amz-storage-class: " + sc);
  const std::string what = location() + "/" + name + ": conditional PUT";
  HttpResponse r = send(std::move(req), what);
  if (r.status == 412) return false;  // PreconditionFailed: something is there already
  if (r.status != 200) throw http_error(what, r);
  return true;
}

Bytes S3Backend::get(const std::string& name) {
  check_object_name(name);
  const std::string what = location() + "/" + name + ": GET";
  for (int check = 0;; ++check) {
    HttpRequest req;
    req.url = location_.url(location_.key_of(name));
    HttpResponse r = send(std::move(req), what);
    if (r.status == 404) throw Error(ExitCode::not_found, location() + "/" + name + ": no such object");
    if (r.status != 200) throw http_error(what, r);
    const std::string want = r.header(kDigestHeader);
    if (want.empty() || sha256_hex(r.body) == want) return std::move(r.body);
    // Cut or altered on the way: read once more before calling it corrupt.
    if (check >= 1)
      throw Error(ExitCode::integrity, location() + "/" + name + ": content does not match the SHA-256 stored "
                                       "with it (corrupt object)");
  }
}

Bytes S3Backend::get_range(const std::string& name, uint64_t offset, uint64_t length) {
  check_object_name(name);
  const std::string obj = location() + "/" + name;
  auto truncated = [&](const std::string& has) {
    return Error(ExitCode::integrity, obj + ": truncated (wanted " + std::to_string(length) + " bytes at offset " +
                                          std::to_string(offset) + ", object has " + has + ")");
  };
  if (length == 0 || length > UINT64_MAX - offset) {  // nothing to fetch, or past any object's end
    auto size = stat(name);
    if (!size) throw Error(ExitCode::not_found, obj + ": no such object");
    if (offset > *size || length > *size - offset) throw truncated(std::to_string(*size));
    return {};
  }
  HttpRequest req;
  req.url = location_.url(location_.key_of(name));
  req.headers = {"Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)};
  req.expected_size = std::min<uint64_t>(length, 64ull << 20);
  const std::string what = obj + ": GET range";
  HttpResponse r = send(std::move(req), what);
  if (r.status == 404) throw Error(ExitCode::not_found, obj + ": no such object");
  if (r.status == 416) throw truncated("fewer bytes");
  if (r.status == 200) {  // the server ignored the range and sent everything
    if (r.body.size() < offset + length) throw truncated(std::to_string(r.body.size()));
    return Bytes(r.body.begin() + static_cast<std::ptrdiff_t>(offset),
                 r.body.begin() + static_cast<std::ptrdiff_t>(offset + length));
  }
  if (r.status != 206) throw http_error(what, r);
  if (r.body.size() != length) {
    std::string total = r.header("content-range");
    size_t slash = total.rfind('/');
    throw truncated(slash == std::string::npos ? std::to_string(offset + r.body.size()) : total.substr(slash + 1));
  }
  return std::move(r.body);
}

std::optional<HttpResponse> S3Backend::head_object(const std::string& name) {
  check_object_name(name);
  HttpRequest req;
  req.method = "HEAD";
  req.url = location_.url(location_.key_of(name));
  const std::string what = location() + "/" + name + ": HEAD";
  HttpResponse r = send(req, what);
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) throw http_error(what, with_error_body(req, std::move(r), what));
  return r;
}

std::optional<uint64_t> S3Backend::stat(const std::string& name) {
  auto r = head_object(name);
  if (!r) return std::nullopt;
  return std::strtoull(r->header("content-length").c_str(), nullptr, 10);
}

std::vector<ObjectInfo> S3Backend::list(const std::string& prefix) {
  check_list_prefix(prefix);
  const std::string root = location_.prefix.empty() ? "" : location_.prefix + "/";
  const std::string key_prefix = root + (prefix.empty() ? "" : prefix + "/");
  std::vector<ObjectInfo> out;
  std::string token;
  const std::string what = location() + "/" + prefix + ": LIST";
  do {
    std::map<std::string, std::string> q{{"list-type", "2"}, {"prefix", key_prefix}};
    if (!token.empty()) q["continuation-token"] = token;
    HttpRequest req;
    req.url = location_.url("", q);
    HttpResponse r = send(std::move(req), what);
    if (r.status != 200) throw http_error(what, r);
    S3ListPage page = parse_list_objects_v2(to_string(r.body));
    for (auto& o : page.objects) {
      if (!o.key.starts_with(root)) continue;
      std::string name = o.key.substr(root.size());
      try {
        check_object_name(name);
      } catch (const Error&) {
        continue;  // "folder" markers and other keys that are not repository objects
      }
      if (under_prefix(name, prefix))
        out.push_back(ObjectInfo{std::move(name), o.size, o.modified_ns,
                                 o.storage_class.empty() ? "STANDARD" : o.storage_class});
    }
    if (page.truncated && page.next_token.empty())
      throw Error(ExitCode::io, what + ": truncated listing without a continuation token");
    token = page.truncated ? page.next_token : "";
  } while (!token.empty());
  return out;
}

void S3Backend::remove(const std::string& name) {
  check_object_name(name);
  HttpRequest req;
  req.method = "DELETE";
  req.url = location_.url(location_.key_of(name));
  const std::string what = location() + "/" + name + ": DELETE";
  HttpResponse r = send(std::move(req), what);
  if (r.status != 204 && r.status != 200 && r.status != 404) throw http_error(what, r);
}

size_t S3Backend::remove_stale_temporaries() {
  const std::string root = location_.prefix.empty() ? "" : location_.prefix + "/";
  const std::string what = location() + ": listing unfinished multipart uploads";
  std::vector<S3Upload> uploads;
  std::string next_key, next_id;
  bool truncated = false;
  do {
    std::map<std::string, std::string> q{{"uploads", ""}, {"prefix", root}};
    if (!next_key.empty()) q["key-marker"] = next_key;
    if (!next_id.empty()) q["upload-id-marker"] = next_id;
    HttpRequest req;
    req.url = location_.url("", q);
    HttpResponse r = send(std::move(req), what);
    if (r.status == 501 || r.status == 405) return 0;  // the server keeps no such list
    if (r.status != 200) throw http_error(what, r);
    auto page = parse_list_multipart_uploads(to_string(r.body), truncated, next_key, next_id);
    uploads.insert(uploads.end(), page.begin(), page.end());
  } while (truncated && !next_key.empty());
  for (const auto& u : uploads) {
    HttpRequest req;
    req.method = "DELETE";
    req.url = location_.url(u.key, {{"uploadId", u.upload_id}});
    const std::string awhat = location() + ": aborting the unfinished upload of " + u.key;
    HttpResponse r = send(std::move(req), awhat);
    if (r.status != 204 && r.status != 200 && r.status != 404) throw http_error(awhat, r);
  }
  return uploads.size();
}

bool S3Backend::create_root() {
  const std::string what = "bucket " + location_.bucket + " at " + location_.endpoint();
  HttpRequest head;
  head.method = "HEAD";
  head.url = location_.url("");
  HttpResponse r = send(head, what + ": HEAD");
  if (r.status == 200) return false;
  if (r.status != 404) throw http_error(what + ": HEAD", with_error_body(head, std::move(r), what + ": HEAD"));
  std::string body;
  if (options_.transport.region != "us-east-1")
    body = "<CreateBucketConfiguration><LocationConstraint>" + xml_escape(options_.transport.region) +
           "</LocationConstraint></CreateBucketConfiguration>";
  HttpRequest put;
  put.method = "PUT";
  put.url = location_.url("");
  put.body = as_bytes(body);
  put.headers = {"Content-Type: application/xml"};
  HttpResponse c = send(std::move(put), what + ": creating it");
  if (c.status == 200) return true;
  if (c.status == 409 && s3_code(c) == "BucketAlreadyOwnedByYou") return false;
  throw http_error(what + ": creating it", c);
}

std::string S3Backend::storage_class(const std::string& name) {
  auto r = head_object(name);
  if (!r) throw Error(ExitCode::not_found, location() + "/" + name + ": no such object");
  std::string sc = r->header("x-amz-storage-class");
  return sc.empty() ? "STANDARD" : sc;
}

void S3Backend::set_storage_class(const std::string& name, const std::string& storage_class) {
  check_object_name(name);
  const std::string key = location_.key_of(name);
  HttpRequest req;
  req.method = "PUT";
  req.url = location_.url(key);
  req.headers = {"x-amz-copy-source: /" + location_.bucket + "/" + aws_uri_encode(key, true),
                 "x-amz-metadata-directive: COPY", "x-amz-storage-class: " + storage_class};
  const std::string what = location() + "/" + name + ": changing the storage class to " + storage_class;
  HttpResponse r = send(std::move(req), what);
  if (r.status != 200 || to_string(r.body).find("<Error>") != std::string::npos) throw http_error(what, r);
}

}  // namespace strata::storage
