// A local copy of a remote repository's metadata — index files, snapshots and
// the packs that hold trees — so that listing snapshots, opening the index and
// walking a parent snapshot's trees during an incremental backup cost local
// reads instead of object-store requests. It is only a cache: everything in it
// is sealed exactly as in the repository and verified the same way when read
// (object ids are hashes of their bytes, blobs are authenticated), a bad or
// missing entry is fetched again, and deleting the directory loses nothing.
// Failures of the cache itself (disk full, permissions) never fail an
// operation: they are reported once and the cache is bypassed.
#pragma once
#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/bytes.h"
#include "storage/backend.h"

namespace strata::repo {

class MetadataCache {
 public:
  explicit MetadataCache(std::unique_ptr<storage::Backend> store);

  std::string location() const { return store_->location(); }
  // The cached object, or nullopt when absent or unreadable.
  std::optional<Bytes> get(const std::string& name);
  std::optional<Bytes> get_range(const std::string& name, uint64_t offset, uint64_t length);
  bool contains(const std::string& name);
  void put(const std::string& name, ByteView data);
  void remove(const std::string& name);
  // Drops cached objects below `prefix` that are not in `keep` (gone from the
  // repository: forgotten snapshots, pruned packs).
  void retain(const std::string& prefix, const std::set<std::string>& keep);

 private:
  void warn(const std::exception& e);

  std::unique_ptr<storage::Backend> store_;
  std::atomic<bool> broken_{false};
};

}  // namespace strata::repo
