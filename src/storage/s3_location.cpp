// S3 location parsing and AWS URI encoding (see s3_location.h).
#include "storage/s3_location.h"

#include <cctype>

#include "common/error.h"

namespace strata::storage {
namespace {

Error bad(const std::string& location, const std::string& why) {
  return Error(ExitCode::usage, "bad S3 repository location '" + location + "': " + why +
                                    " (expected s3:https://HOST[:PORT]/BUCKET[/PREFIX])");
}

bool valid_bucket(const std::string& b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-' || c == '.'))
      return false;
  return std::isalnum(static_cast<unsigned char>(b.front())) && std::isalnum(static_cast<unsigned char>(b.back()));
}

}  // namespace

std::string aws_uri_encode(const std::string& text, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string canonical_query(const std::map<std::string, std::string>& query) {
  std::string out;
  for (const auto& [k, v] : query) {  // std::map iterates in byte order, as SigV4 sorts
    if (!out.empty()) out += '&';
    out += aws_uri_encode(k, false) + "=" + aws_uri_encode(v, false);
  }
  return out;
}

S3Location parse_s3_location(const std::string& location, const std::string& addressing) {
  std::string rest = location;
  if (!rest.starts_with("s3:")) throw bad(location, "does not start with s3:");
  rest = rest.substr(3);
  S3Location loc;
  size_t sep = rest.find("://");
  if (sep == std::string::npos) throw bad(location, "no http:// or https:// endpoint");
  loc.scheme = rest.substr(0, sep);
  if (loc.scheme != "http" && loc.scheme != "https") throw bad(location, "scheme must be http or https");
  rest = rest.substr(sep + 3);
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (hostport.empty()) throw bad(location, "no host");
  size_t colon = hostport.rfind(':');
  if (colon != std::string::npos && hostport.find(']') == std::string::npos) {
    std::string port = hostport.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
      throw bad(location, "bad port '" + port + "'");
    loc.port = std::stoi(port);
    if (loc.port < 1 || loc.port > 65535) throw bad(location, "bad port '" + port + "'");
    hostport = hostport.substr(0, colon);
  }
  loc.host = hostport;
  while (!path.empty() && path.back() == '/') path.pop_back();
  size_t bslash = path.find('/');
  loc.bucket = path.substr(0, bslash);
  loc.prefix = bslash == std::string::npos ? "" : path.substr(bslash + 1);
  if (loc.bucket.empty()) throw bad(location, "no bucket");
  if (!valid_bucket(loc.bucket))
    throw bad(location, "bucket name '" + loc.bucket + "' is not valid (3-63 of a-z 0-9 . -)");
  if (loc.prefix.find("//") != std::string::npos) throw bad(location, "empty component in the prefix");
  if (addressing == "path") {
    loc.addressing = S3Addressing::path;
  } else if (addressing == "virtual") {
    loc.addressing = S3Addressing::virtual_hosted;
  } else if (addressing.empty()) {
    bool aws = loc.host.ends_with(".amazonaws.com");
    loc.addressing = aws && loc.bucket.find('.') == std::string::npos ? S3Addressing::virtual_hosted
                                                                      : S3Addressing::path;
  } else {
    throw Error(ExitCode::usage, "bad S3 addressing '" + addressing + "' (expected path or virtual)");
  }
  return loc;
}

std::string S3Location::display() const {
  std::string out = "s3:" + scheme + "://" + host;
  if (port) out += ":" + std::to_string(port);
  out += "/" + bucket;
  if (!prefix.empty()) out += "/" + prefix;
  return out;
}

std::string S3Location::key_of(const std::string& name) const {
  return prefix.empty() ? name : prefix + "/" + name;
}

std::string S3Location::endpoint() const {
  std::string out = scheme + "://";
  if (addressing == S3Addressing::virtual_hosted) out += bucket + ".";
  out += host;
  if (port) out += ":" + std::to_string(port);
  return out;
}

std::string S3Location::url(const std::string& key, const std::map<std::string, std::string>& query) const {
  std::string out = endpoint() + "/";
  if (addressing == S3Addressing::path) out += bucket + (key.empty() ? "" : "/");
  out += aws_uri_encode(key, true);
  if (!query.empty()) out += "?" + canonical_query(query);
  return out;
}

}  // namespace strata::storage
