// Best-effort local cache of repository metadata (see metadata_cache.h).
#include "repo/metadata_cache.h"

#include <cstdio>

#include "common/error.h"
#include "common/log.h"

namespace strata::repo {

MetadataCache::MetadataCache(std::unique_ptr<storage::Backend> store) : store_(std::move(store)) {}

void MetadataCache::warn(const std::exception& e) {
  if (!broken_.exchange(true))
    log_warning("metadata cache " + store_->location() + " disabled for this run: " + e.what());
}

std::optional<Bytes> MetadataCache::get(const std::string& name) {
  if (broken_) return std::nullopt;
  try {
    return store_->get(name);
  } catch (const Error& e) {
    if (e.code() != ExitCode::not_found) remove(name);
    return std::nullopt;
  }
}

std::optional<Bytes> MetadataCache::get_range(const std::string& name, uint64_t offset, uint64_t length) {
  if (broken_) return std::nullopt;
  try {
    return store_->get_range(name, offset, length);
  } catch (const Error& e) {
    if (e.code() != ExitCode::not_found) remove(name);
    return std::nullopt;
  }
}

bool MetadataCache::contains(const std::string& name) {
  if (broken_) return false;
  try {
    return store_->stat(name).has_value();
  } catch (const Error&) {
    return false;
  }
}

void MetadataCache::put(const std::string& name, ByteView data) {
  if (broken_) return;
  try {
    store_->put(name, data);
  } catch (const Error& e) {
    warn(e);
  }
}

void MetadataCache::remove(const std::string& name) {
  if (broken_) return;
  try {
    store_->remove(name);
  } catch (const Error& e) {
    warn(e);
  }
}

void MetadataCache::retain(const std::string& prefix, const std::set<std::string>& keep) {
  if (broken_) return;
  try {
    for (const auto& o : store_->list(prefix))
      if (!keep.contains(o.name)) store_->remove(o.name);
  } catch (const Error& e) {
    warn(e);
  }
}

}  // namespace strata::repo
