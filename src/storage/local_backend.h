// Local filesystem backend: each object is a file under the repository directory.
// Writes go to a temporary file (in the target directory, or in the prefix's
// directory when streamed), are fsynced, renamed into place and the directory
// fsynced, so a crash never leaves a partial object. A repository directory that
// existed when the backend was made is never recreated.
#pragma once
#include <mutex>
#include <set>

#include "common/clock.h"
#include "storage/backend.h"

namespace strata::storage {

class LocalBackend : public Backend {
 public:
  // `unsynced` skips every fsync (atomic rename stays): for caches whose loss
  // costs only a re-download, never for a repository.
  enum class Durability { synced, unsynced };
  // `clock` judges the age of temporary files (remove_stale_temporaries); it must
  // outlive the backend.
  explicit LocalBackend(std::string root, Durability durability = Durability::synced,
                        const Clock& clock = system_clock());
  std::string location() const override { return root_; }
  void put(const std::string& name, ByteView data) override;
  // Temp + fsync, then link(2) to the final name (which fails if it exists),
  // unlink of the temporary and fsync of the directory.
  bool put_if_absent(const std::string& name, ByteView data) override;
  std::unique_ptr<ObjectWriter> begin_put(const std::string& prefix) override;
  Bytes get(const std::string& name) override;
  Bytes get_range(const std::string& name, uint64_t offset, uint64_t length) override;
  std::optional<uint64_t> stat(const std::string& name) override;
  std::vector<ObjectInfo> list(const std::string& prefix) override;
  void remove(const std::string& name) override;
  size_t remove_stale_temporaries() override;
  // EROFS when the repository directory is on a read-only mount (statvfs), else
  // what access(2) says of writing into the prefix's directory (the repository
  // directory while the prefix has none): EACCES/EPERM/EROFS, or 0.
  int write_refusal(const std::string& prefix) override;

 private:
  std::string path_of(const std::string& name) const;
  class StreamWriter;
  void ensure_dir(const std::string& dir);  // mkdir -p with fsync of new parents
  // Creates a new temporary file in `dir` (created if needed); fd or -1 with errno.
  int create_temp(const std::string& dir, std::string& tmp);
  // Finishes a temporary file whose writing ended with `err` (0 = all written):
  // fsync, close, rename to `path`, fsync its directory; on any failure unlinks
  // the temporary and throws Error(io) naming `path`. Always closes `fd`.
  void commit_temp(int fd, const std::string& tmp, const std::string& path, int err);

  std::string root_;
  bool durable_ = true;
  const Clock& clock_;
  // The directory existed when this backend was made: it is never created again
  // (writes after the repository was moved away or its disk unmounted fail
  // instead of starting a new tree on whatever is mounted below).
  bool root_existed_ = false;
  std::mutex dirs_mu_;
  std::set<std::string> known_dirs_;
};

}  // namespace strata::storage
