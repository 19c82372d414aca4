// The one place that talks to file descriptors directly. The kernel may move fewer
// bytes than asked or be interrupted by a signal (EINTR); every layer needs the
// same loops around read/write/pread/pwrite/fsync/open, a descriptor that closes
// itself, and directory fsync after a rename. Functions return 0 or an errno (the
// caller knows which file it was and adds that to the error) unless they say
// otherwise; nothing here prints, logs or exits.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"

namespace strata::posix {

// Owns a file descriptor and closes it (ignoring errors) when it goes out of scope,
// also when an exception unwinds. Movable, not copyable. -1 means "none".
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  // Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }
  // Closes the current descriptor (if any) and owns `fd`.
  void reset(int fd = -1);
  // Closes now and reports close(2)'s errno (0 on success): for files whose last
  // write error may only show at close.
  int close();

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC added and EINTR retried; the descriptor, or -1 with errno.
int open_retry(const std::string& path, int flags, mode_t mode = 0);

// One read(2)/pread(2) with EINTR retried: bytes read (0 at EOF) or -1 with errno.
ssize_t read_some(int fd, void* buf, size_t len);
ssize_t pread_some(int fd, void* buf, size_t len, uint64_t offset);

// Writes all of `data` (at `offset` for pwrite_all); 0 or the errno of the failing
// write. A write that makes no progress counts as EIO rather than spinning.
int write_all(int fd, ByteView data);
int pwrite_all(int fd, ByteView data, uint64_t offset);

// Reads until EOF into `out` (replacing it); `size_hint` is the expected size.
int read_to_end(int fd, uint64_t size_hint, Bytes& out);
// preads up to `length` bytes at `offset` into `out` (shorter only at EOF).
int pread_full(int fd, uint64_t offset, uint64_t length, Bytes& out);

// Appends the names in the open directory `fd` (without "." and "..") to `names`,
// read with getdents64 straight into a buffer: no opendir/fstat/fcntl around it.
int list_directory(int fd, std::vector<std::string>& names);

// fsync / ftruncate with EINTR retried.
int fsync_fd(int fd);
int ftruncate_fd(int fd, uint64_t size);

// Opens and fsyncs a directory, so that a rename or create in it survives a crash.
// EINVAL (a file system without directory fsync) counts as success.
int fsync_dir(const std::string& dir);

// The directory part of `path` ("." for a bare name, "/" for a top-level entry).
std::string parent_directory(const std::string& path);

// `n` random bytes from getrandom(2) (/dev/urandom as a fallback) as 2n lower-case
// hex characters: names for temporary files. Throws Error(io) if neither works.
std::string random_hex(size_t n = 8);

}  // namespace strata::posix
