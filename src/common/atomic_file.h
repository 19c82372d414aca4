// Whole-file replacement that a reader or a crash never sees half done: the new
// content goes to `<path>.strata-tmp` beside the target and is renamed over it only
// when complete (with Durability::synced, after fsync of the file, and the
// directory fsynced after the rename). Used for WAL segments handed to PostgreSQL,
// backup_label and recovery settings, spool status files and SQL dumps. A fixed
// temporary name means a crash leaves at most one stray file, overwritten by the
// next attempt.
#pragma once
#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/posix_io.h"

namespace strata::posix {

enum class Durability { rename_only, synced };

// A file being written under the temporary name; removed unless commit() succeeds
// (also when an exception unwinds).
class AtomicFileWriter {
 public:
  // Creates (truncates) `<path>.strata-tmp` with `mode`. Error(io) naming it.
  explicit AtomicFileWriter(std::string path, mode_t mode = 0600);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return tmp_; }

  // Appends `data`; Error(io) naming the file.
  void write(ByteView data);
  // Gives the file to `owner`'s uid and gid when running as root (a file written
  // into another user's directory, e.g. a PostgreSQL data directory).
  void own_like(const struct stat& owner);
  // Makes the content visible under `path`; returns its size. Error(io) naming
  // the file (the temporary is removed).
  uint64_t commit(Durability durability);

 private:
  [[noreturn]] void fail(const std::string& what, int err);

  std::string path_, tmp_;
  UniqueFd fd_;
  bool committed_ = false;
};

// Replaces `path` with `data` in one step (mode 0600; owned like `owner` when given
// and running as root). Error(io) naming the file.
void replace_file(const std::string& path, ByteView data, Durability durability,
                  const struct stat* owner = nullptr);

inline void replace_file(const std::string& path, const std::string& text, Durability durability,
                         const struct stat* owner = nullptr) {
  replace_file(path, ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()), durability, owner);
}

}  // namespace strata::posix
