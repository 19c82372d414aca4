// Whole-file replacement of small local files (see local_file.h).
#include "source/postgres/local_file.h"

#include <fcntl.h>
#include <unistd.h>

#include "common/error.h"

namespace strata::source::postgres {

namespace {
void sync_directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw io_error("syncing directory " + dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) throw io_error("syncing directory " + dir, err);
}
}  // namespace

void replace_file(const std::string& path, ByteView data, Durability durability, const struct stat* owner) {
  const std::string tmp = path + ".strata-tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw io_error("writing " + tmp, errno);
  int err = 0;
  for (size_t done = 0; done < data.size() && err == 0;) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    else done += static_cast<size_t>(n);
  }
  if (err == 0 && owner && geteuid() == 0 && ::fchown(fd, owner->st_uid, owner->st_gid) != 0) err = errno;
  if (err == 0 && durability == Durability::synced && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw io_error("writing " + path, err);
  }
  if (durability == Durability::synced) sync_directory_of(path);
}

}  // namespace strata::source::postgres
