// In-memory backend for unit tests: a mutex-protected map of name -> bytes.
#pragma once
#include <map>
#include <mutex>

#include "common/clock.h"
#include "storage/backend.h"

namespace strata::storage {

class MemoryBackend : public Backend {
 public:
  // `clock` dates what is stored (ObjectInfo::modified_ns); it must outlive the backend.
  explicit MemoryBackend(const Clock& clock = system_clock()) : clock_(clock) {}
  std::string location() const override { return "mem:"; }
  void put(const std::string& name, ByteView data) override;
  bool put_if_absent(const std::string& name, ByteView data) override;
  Bytes get(const std::string& name) override;
  Bytes get_range(const std::string& name, uint64_t offset, uint64_t length) override;
  std::optional<uint64_t> stat(const std::string& name) override;
  std::vector<ObjectInfo> list(const std::string& prefix) override;
  void remove(const std::string& name) override;

  // Test helpers: direct access to stored bytes (e.g. to flip a byte).
  Bytes& raw(const std::string& name);
  size_t object_count();

 private:
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Bytes> objects_;
  std::map<std::string, int64_t> stored_ns_;
};

}  // namespace strata::storage
