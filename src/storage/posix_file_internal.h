// Thin POSIX file helpers for the local backend (internal to storage/): complete
// reads and writes despite short transfers and EINTR, fsync, random temp names.
// Each returns/throws with errno semantics; callers add the object path to errors.
#pragma once
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <utility>

#include "common/aligned_buffer.h"
#include "common/bytes.h"

namespace strata::storage {

// Writes all of `data`; returns 0 or the errno of the failing write.
int write_all(int fd, ByteView data);

// Appends to a file written from offset 0, moving whole 4 KiB blocks to the disk
// with O_DIRECT through a 1 MiB aligned buffer (no page-cache copy, no cache
// pollution; markedly cheaper in CPU on virtual disks). Falls back to buffered
// writes wherever direct I/O is refused or stops short. Holds at most 1 MiB.
// append()/finish() return 0 or the errno of the failing write; after finish()
// every byte is in the file (the caller still fsyncs).
class DirectAppender {
 public:
  explicit DirectAppender(int fd);
  ~DirectAppender();
  DirectAppender(const DirectAppender&) = delete;
  DirectAppender& operator=(const DirectAppender&) = delete;
  int append(ByteView data);
  int finish();

 private:
  static constexpr size_t kSlice = 1024 * 1024;
  int drain();  // writes the whole blocks of the buffer, keeps the tail

  int fd_;
  AlignedBuffer buf_;
  size_t fill_ = 0;       // bytes in buf_
  uint64_t written_ = 0;  // bytes already in the file
  bool direct_ = false;
};

// write_all for a file written from offset 0 through a DirectAppender when the
// object is large enough for direct I/O to pay (1 MiB). The caller still fsyncs.
int write_all_bypassing_cache(int fd, ByteView data);

// Reads until EOF into `out` (replacing it); `size_hint` is the expected size.
// Returns 0 or errno.
int read_to_end(int fd, uint64_t size_hint, Bytes& out);

// preads up to `length` bytes at `offset` into `out` (resized to what was read,
// shorter only at EOF); returns 0 or errno.
int pread_full(int fd, uint64_t offset, uint64_t length, Bytes& out);

// fsync with EINTR retry; returns 0 or errno.
int fsync_fd(int fd);

// Opens and fsyncs a directory; returns 0 or errno. EINVAL (a filesystem without
// directory fsync) counts as success.
int fsync_dir(const std::string& dir);

// 16 random lower-case hex characters from getrandom(2) (falls back to /dev/urandom).
std::string random_hex();

// Owns a file descriptor; closes it (ignoring errors) unless released.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// open(2) with O_CLOEXEC and EINTR retry; returns the fd or -1 with errno set.
int open_retry(const std::string& path, int flags, mode_t mode = 0);

}  // namespace strata::storage
