// libcurl transport for S3 requests (see s3_transport.h).
#include "storage/s3_transport.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <sys/socket.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "common/error.h"

namespace strata::storage {
namespace {

std::once_flag g_curl_once;

struct UploadCursor {
  ByteView data;
  size_t pos = 0;
};

size_t read_body(char* buf, size_t size, size_t n, void* user) {
  auto* c = static_cast<UploadCursor*>(user);
  size_t want = std::min(size * n, c->data.size() - c->pos);
  if (want) std::memcpy(buf, c->data.data() + c->pos, want);
  c->pos += want;
  return want;
}

size_t write_body(char* ptr, size_t size, size_t n, void* user) {
  auto* out = static_cast<Bytes*>(user);
  out->insert(out->end(), reinterpret_cast<uint8_t*>(ptr), reinterpret_cast<uint8_t*>(ptr) + size * n);
  return size * n;
}

struct HeaderSink {
  std::map<std::string, std::string>* headers;
  CURL* handle;
};

// The socket of each handle's connection, recorded when libcurl opens it and
// forgotten when libcurl closes it (CURLINFO_ACTIVESOCKET is not set while a
// transfer runs).
std::mutex g_sockets_mu;
std::unordered_map<CURL*, curl_socket_t> g_socket_of;

int record_socket(void* handle, curl_socket_t fd, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) {
    std::lock_guard lock(g_sockets_mu);
    g_socket_of[static_cast<CURL*>(handle)] = fd;
  }
  return CURL_SOCKOPT_OK;
}

int close_socket(void* handle, curl_socket_t fd) {
  {
    std::lock_guard lock(g_sockets_mu);
    auto it = g_socket_of.find(static_cast<CURL*>(handle));
    if (it != g_socket_of.end() && it->second == fd) g_socket_of.erase(it);
  }
  return ::close(fd);
}

// Acknowledges what was received at once. A server that writes a response's
// headers and body separately with Nagle's algorithm on (radosgw does) holds a
// small body back until the headers are acknowledged, and Linux delays that
// acknowledgement by up to 40 ms on a connection in request/response rhythm:
// every small GET on a reused connection would take 40 ms instead of 1.
void acknowledge_now(CURL* handle) {
  curl_socket_t fd = CURL_SOCKET_BAD;
  {
    std::lock_guard lock(g_sockets_mu);
    auto it = g_socket_of.find(handle);
    if (it == g_socket_of.end()) return;
    fd = it->second;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

size_t read_header(char* ptr, size_t size, size_t n, void* user) {
  auto* sink = static_cast<HeaderSink*>(user);
  auto* h = sink->headers;
  std::string line(ptr, size * n);
  if (line.starts_with("HTTP/")) {
    acknowledge_now(sink->handle);
    h->clear();  // a new response (after 100 Continue or a redirect)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string value = line.substr(colon + 1);
  size_t b = value.find_first_not_of(" \t");
  size_t e = value.find_last_not_of(" \t\r\n");
  (*h)[name] = b == std::string::npos ? "" : value.substr(b, e - b + 1);
  return size * n;
}

}  // namespace

std::string sha256_hex(ByteView data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw Error(ExitCode::failure, "SHA-256 of a request body failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

S3Transport::S3Transport(S3Credentials credentials, S3TransportOptions options)
    : credentials_(std::move(credentials)), options_(std::move(options)) {
  std::call_once(g_curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  sigv4_ = "aws:amz:" + options_.region + ":s3";
}

S3Transport::~S3Transport() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* S3Transport::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  CURL* h = curl_easy_init();
  if (!h) throw Error(ExitCode::failure, "libcurl could not create a handle");
  return h;
}

void S3Transport::release(void* handle) {
  std::lock_guard lock(mu_);
  idle_.push_back(handle);
}

bool S3Transport::perform(const HttpRequest& req, HttpResponse& resp, TransportFailure& failure) {
  CURL* h = static_cast<CURL*>(acquire());
  curl_easy_reset(h);  // keeps the connection cache
  resp = HttpResponse{};
  if (req.expected_size) resp.body.reserve(req.expected_size);
  UploadCursor cursor{req.body, 0};
  char errbuf[CURL_ERROR_SIZE] = {};

  curl_slist* headers = nullptr;
  for (const auto& hline : req.headers) headers = curl_slist_append(headers, hline.c_str());
  // The server verifies the body against this hash (and it is signed).
  const std::string digest = req.body_sha256.empty() ? sha256_hex(req.body) : req.body_sha256;
  headers = curl_slist_append(headers, ("x-amz-content-sha256: " + digest).c_str());
  if (!credentials_.session_token.empty())
    headers = curl_slist_append(headers, ("x-amz-security-token: " + credentials_.session_token).c_str());
  // No "Expect:" removal here: libcurl 7.88 would sign the removed header and
  // the server would refuse the signature. Large uploads wait for 100 Continue,
  // which lets the server refuse them before the body is sent.

  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "strata/" STRATA_VERSION);
  curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4_.c_str());
  curl_easy_setopt(h, CURLOPT_USERNAME, credentials_.access_key.c_str());
  curl_easy_setopt(h, CURLOPT_PASSWORD, credentials_.secret_key.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, options_.stall_timeout_s);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, record_socket);
  curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, h);
  curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
  curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, h);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_bundle.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, read_header);
  HeaderSink sink{&resp.headers, h};
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp.body);
  if (req.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT") {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(h, CURLOPT_READDATA, &cursor);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else if (req.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, reinterpret_cast<const char*>(req.body.data()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else if (req.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    // A handle whose transfer failed may hold a broken connection: drop it.
    curl_easy_cleanup(h);
    failure.curl_code = rc;
    failure.message = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    while (!failure.message.empty() && failure.message.back() == '\n') failure.message.pop_back();
    return false;
  }
  release(h);
  return true;
}

}  // namespace strata::storage
