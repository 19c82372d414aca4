// open_backend(): turns a repository location string into a Backend, rejecting
// schemes this build cannot serve with a usage error instead of a surprising path.
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "storage/backend.h"
#include "storage/tiered_backend.h"
#include "storage/s3_backend.h"

namespace strata::storage {
namespace {

constexpr std::string_view kLocalScheme = "local:";
constexpr std::string_view kS3Scheme = "s3:";

// True for "s3:...", "sftp:...", "rest:..." etc.: letters/digits/+-. then ':'.
bool has_scheme(std::string_view loc) {
  size_t colon = loc.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(loc[0]))) return false;
  for (char c : loc.substr(0, colon)) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Error unsupported(const std::string& location) {
  return Error(ExitCode::usage, "unsupported repository location '" + location +
                                    "' (supported: a local directory path, s3:https://HOST/BUCKET[/PREFIX])");
}

}  // namespace

std::unique_ptr<Backend> open_backend(const std::string& location, const BackendContext& context) {
  std::string_view path = location;
  if (path.starts_with(kS3Scheme)) {
    auto getenv = [](const char* name) { return std::getenv(name); };
    S3Options options = S3Options::from_environment(getenv);
    options.context = context;
    S3Location loc = parse_s3_location(location, options.addressing);
    return std::make_unique<S3Backend>(std::move(loc), resolve_s3_credentials(getenv), std::move(options));
  }
  if (path.starts_with(kLocalScheme)) {
    path.remove_prefix(kLocalScheme.size());
  } else if (location.find("://") != std::string::npos || has_scheme(location)) {
    throw unsupported(location);
  }
  if (path.empty()) throw Error(ExitCode::usage, "empty repository location");
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(std::filesystem::path(path), ec);
  if (ec) throw io_error("resolving repository location '" + location + "'", ec.value());
  return std::make_unique<TieredBackend>(abs.lexically_normal().string(), *context.clock);
}

}  // namespace strata::storage
