// Local filesystem backend: each object is a file under the repository directory.
// Writes go to a temporary file in the target directory, are fsynced, renamed into
// place and the directory fsynced, so a crash never leaves a partial object.
#pragma once
#include <mutex>
#include <set>

#include "storage/backend.h"

namespace strata::storage {

class LocalBackend : public Backend {
 public:
  explicit LocalBackend(std::string root);
  std::string location() const override { return root_; }
  void put(const std::string& name, ByteView data) override;
  Bytes get(const std::string& name) override;
  Bytes get_range(const std::string& name, uint64_t offset, uint64_t length) override;
  std::optional<uint64_t> stat(const std::string& name) override;
  std::vector<ObjectInfo> list(const std::string& prefix) override;
  void remove(const std::string& name) override;
  size_t remove_stale_temporaries() override;

 private:
  std::string path_of(const std::string& name) const;
  void ensure_dir(const std::string& dir);  // mkdir -p with fsync of new parents

  std::string root_;
  std::mutex dirs_mu_;
  std::set<std::string> known_dirs_;
};

}  // namespace strata::storage
