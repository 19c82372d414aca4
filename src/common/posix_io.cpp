// The EINTR and short-transfer loops of posix_io.h.
#include "common/posix_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "common/error.h"

namespace strata::posix {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int UniqueFd::close() {
  if (fd_ < 0) return 0;
  const int rc = ::close(std::exchange(fd_, -1));
  return rc == 0 ? 0 : errno;
}

int open_retry(const std::string& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

ssize_t read_some(int fd, void* buf, size_t len) {
  ssize_t n;
  do {
    n = ::read(fd, buf, len);
  } while (n < 0 && errno == EINTR);
  return n;
}

ssize_t pread_some(int fd, void* buf, size_t len, uint64_t offset) {
  ssize_t n;
  do {
    n = ::pread(fd, buf, len, static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  return n;
}

namespace {

// Calls `write_at(p, n, done)` until all of `data` is written; 0 or an errno. A
// write that makes no progress counts as EIO rather than spinning.
template <typename WriteAt>
int write_fully(ByteView data, WriteAt write_at) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write_at(data.data() + done, data.size() - done, done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;
    done += static_cast<size_t>(n);
  }
  return 0;
}

}  // namespace

int write_all(int fd, ByteView data) {
  return write_fully(data, [fd](const uint8_t* p, size_t n, size_t) { return ::write(fd, p, n); });
}

int pwrite_all(int fd, ByteView data, uint64_t offset) {
  return write_fully(data, [fd, offset](const uint8_t* p, size_t n, size_t done) {
    return ::pwrite(fd, p, n, static_cast<off_t>(offset + done));
  });
}

int read_to_end(int fd, uint64_t size_hint, Bytes& out) {
  constexpr size_t kChunk = 65536;
  out.clear();
  out.resize(static_cast<size_t>(size_hint) + 1);  // +1 so EOF is seen without growing
  size_t used = 0;
  for (;;) {
    if (out.size() == used) out.resize(used + std::max(kChunk, used));
    ssize_t n = read_some(fd, out.data() + used, out.size() - used);
    if (n < 0) {
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
    ssize_t n = pread_some(fd, out.data() + done, length - done, offset + done);
    if (n < 0) return errno;
    if (n == 0) break;  // EOF
    done += static_cast<uint64_t>(n);
  }
  out.resize(done);
  return 0;
}

int list_directory(int fd, std::vector<std::string>& names) {
  alignas(struct dirent64) char buf[32768];
  for (;;) {
    ssize_t n = ::getdents64(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return 0;
    for (ssize_t pos = 0; pos < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + pos);
      pos += d->d_reclen;
      const char* nm = d->d_name;
      if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0))) continue;
      names.emplace_back(nm);
    }
  }
}

int fsync_fd(int fd) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

int ftruncate_fd(int fd, uint64_t size) {
  while (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

int fsync_dir(const std::string& dir) {
  UniqueFd fd(open_retry(dir, O_RDONLY | O_DIRECTORY));
  if (!fd) return errno;
  int err = fsync_fd(fd.get());
  return err == EINVAL ? 0 : err;
}

std::string parent_directory(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
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
  UniqueFd fd(open_retry("/dev/urandom", O_RDONLY));
  if (!fd) return false;
  while (done < len) {
    ssize_t n = read_some(fd.get(), buf + done, len - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  return done == len;
}

}  // namespace

std::string random_hex(size_t n) {
  std::vector<uint8_t> buf(n);
  if (!fill_random(buf.data(), n)) throw io_error("reading /dev/urandom", errno ? errno : EIO);
  return to_hex(ByteView(buf.data(), n));
}

}  // namespace strata::posix
