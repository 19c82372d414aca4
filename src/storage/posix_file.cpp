// POSIX I/O loops used by the local backend: the kernel may transfer fewer bytes
// than asked or be interrupted, and a durable put needs every byte and an fsync.
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "common/error.h"
#include "storage/posix_file_internal.h"

namespace strata::storage {

int write_all(int fd, ByteView data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;  // no progress: treat as an I/O error rather than spin
    done += static_cast<size_t>(n);
  }
  return 0;
}

namespace {

bool set_direct(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return false;
  return ::fcntl(fd, F_SETFL, on ? (flags | O_DIRECT) : (flags & ~O_DIRECT)) == 0;
}

}  // namespace

DirectAppender::DirectAppender(int fd) : fd_(fd), buf_(kSlice) {
  direct_ = buf_ && set_direct(fd_, true);
}

DirectAppender::~DirectAppender() {
  if (direct_) set_direct(fd_, false);
}

int DirectAppender::append(ByteView data) {
  if (!buf_) return write_all(fd_, data);
  while (!data.empty()) {
    size_t n = std::min(kSlice - fill_, data.size());
    std::memcpy(buf_.get() + fill_, data.data(), n);
    fill_ += n;
    data = data.subspan(n);
    if (fill_ == kSlice) {
      if (int err = drain(); err != 0) return err;
    }
  }
  return 0;
}

int DirectAppender::finish() {
  if (!buf_) return 0;
  int err = drain();
  if (direct_) {
    set_direct(fd_, false);
    direct_ = false;
  }
  // The unaligned tail goes through the page cache.
  if (err == 0) err = write_all(fd_, ByteView(buf_.get(), fill_));
  if (err == 0) fill_ = 0;
  return err;
}

int DirectAppender::drain() {
  size_t aligned = fill_ & ~(kDirectIoAlign - 1);
  size_t done = 0;
  while (direct_ && done < aligned) {
    ssize_t n = ::write(fd_, buf_.get() + done, aligned - done);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0 && static_cast<size_t>(n) % kDirectIoAlign == 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    // Refused, failed or a partial block: the page cache redoes everything after
    // the last whole block written directly and reports real errors (disk full)
    // with their errno.
    set_direct(fd_, false);
    direct_ = false;
    if (::lseek(fd_, static_cast<off_t>(written_ + done), SEEK_SET) < 0) return errno;
  }
  if (!direct_) {
    if (int err = write_all(fd_, ByteView(buf_.get() + done, fill_ - done)); err != 0) return err;
    done = fill_;
  }
  std::memmove(buf_.get(), buf_.get() + done, fill_ - done);
  fill_ -= done;
  written_ += done;
  return 0;
}

int write_all_bypassing_cache(int fd, ByteView data) {
  constexpr size_t kDirectMin = 1024 * 1024;
  if (data.size() < kDirectMin) return write_all(fd, data);
  DirectAppender out(fd);
  if (int err = out.append(data); err != 0) return err;
  return out.finish();
}

int read_to_end(int fd, uint64_t size_hint, Bytes& out) {
  constexpr size_t kChunk = 65536;
  out.clear();
  out.resize(static_cast<size_t>(size_hint) + 1);  // +1 so EOF is seen without growing
  size_t used = 0;
  while (true) {
    if (out.size() == used) out.resize(used + std::max(kChunk, used));
    ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      out.resize(used);
      return err;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  out.resize(used);
  return 0;
}

int pread_full(int fd, uint64_t offset, uint64_t length, Bytes& out) {
  out.resize(length);
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) break;  // EOF
    done += static_cast<uint64_t>(n);
  }
  out.resize(done);
  return 0;
}

int fsync_fd(int fd) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

int fsync_dir(const std::string& dir) {
  int fd = open_retry(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return errno;
  int err = fsync_fd(fd);
  ::close(fd);
  return err == EINVAL ? 0 : err;
}

namespace {

bool fill_random(uint8_t* buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::getrandom(buf + done, len - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (done == len) return true;
  int fd = open_retry("/dev/urandom", O_RDONLY);
  if (fd < 0) return false;
  while (done < len) {
    ssize_t n = ::read(fd, buf + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done != len) return false;
  return true;
}

}  // namespace

std::string random_hex() {
  uint8_t buf[8];
  if (!fill_random(buf, sizeof buf)) throw io_error("reading /dev/urandom", errno ? errno : EIO);
  return to_hex(ByteView(buf, sizeof buf));
}

int open_retry(const std::string& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

}  // namespace strata::storage
