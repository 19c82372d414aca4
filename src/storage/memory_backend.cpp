// MemoryBackend: a map of name -> bytes with the same contract and errors as the
// local backend, so repository tests run fast and without touching the disk.
#include "storage/memory_backend.h"

#include "storage/object_name_internal.h"

namespace strata::storage {
namespace {

Error no_such_object(const std::string& name) {
  return Error(ExitCode::not_found, "mem:" + name + ": no such object");
}

}  // namespace

void MemoryBackend::put(const std::string& name, ByteView data) {
  check_object_name(name);
  Bytes copy(data.begin(), data.end());
  std::lock_guard lock(mu_);
  objects_[name] = std::move(copy);
  stored_ns_[name] = clock_.now_ns();
}

bool MemoryBackend::put_if_absent(const std::string& name, ByteView data) {
  check_object_name(name);
  Bytes copy(data.begin(), data.end());
  std::lock_guard lock(mu_);
  if (!objects_.emplace(name, std::move(copy)).second) return false;
  stored_ns_[name] = clock_.now_ns();
  return true;
}

Bytes MemoryBackend::get(const std::string& name) {
  check_object_name(name);
  std::lock_guard lock(mu_);
  auto it = objects_.find(name);
  if (it == objects_.end()) throw no_such_object(name);
  return it->second;
}

Bytes MemoryBackend::get_range(const std::string& name, uint64_t offset, uint64_t length) {
  check_object_name(name);
  std::lock_guard lock(mu_);
  auto it = objects_.find(name);
  if (it == objects_.end()) throw no_such_object(name);
  const Bytes& data = it->second;
  const uint64_t size = data.size();
  if (offset > size || length > size - offset) {
    throw Error(ExitCode::integrity, "mem:" + name + ": truncated (wanted " +
                                         std::to_string(length) + " bytes at offset " +
                                         std::to_string(offset) + ", object has " +
                                         std::to_string(size) + ")");
  }
  auto begin = data.begin() + static_cast<std::ptrdiff_t>(offset);
  return Bytes(begin, begin + static_cast<std::ptrdiff_t>(length));
}

std::optional<uint64_t> MemoryBackend::stat(const std::string& name) {
  check_object_name(name);
  std::lock_guard lock(mu_);
  auto it = objects_.find(name);
  if (it == objects_.end()) return std::nullopt;
  return it->second.size();
}

std::vector<ObjectInfo> MemoryBackend::list(const std::string& prefix) {
  check_list_prefix(prefix);
  std::vector<ObjectInfo> out;
  std::lock_guard lock(mu_);
  for (auto it = objects_.lower_bound(prefix); it != objects_.end(); ++it) {
    if (!it->first.starts_with(prefix)) break;
    if (under_prefix(it->first, prefix)) out.push_back(ObjectInfo{it->first, it->second.size(), stored_ns_[it->first]});
  }
  return out;
}

void MemoryBackend::remove(const std::string& name) {
  check_object_name(name);
  std::lock_guard lock(mu_);
  objects_.erase(name);
  stored_ns_.erase(name);
}

Bytes& MemoryBackend::raw(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(name);
  if (it == objects_.end()) throw no_such_object(name);
  return it->second;
}

size_t MemoryBackend::object_count() {
  std::lock_guard lock(mu_);
  return objects_.size();
}

}  // namespace strata::storage
