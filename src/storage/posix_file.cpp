// DirectAppender and write_all_bypassing_cache (see posix_file_internal.h).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "storage/posix_file_internal.h"

namespace strata::storage {

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
    if (n < 0 && errno == EINTR) continue;  // os-seam: a direct write must move whole blocks
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

}  // namespace strata::storage
