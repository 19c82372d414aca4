// Safe creation of key files (see key_file_io.h).
#include "app/key_file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"

namespace strata::app {

void write_new_key_file(const std::string& path, const std::string& contents) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      throw Error(ExitCode::usage, "key file " + path + " already exists; refusing to overwrite it");
    throw io_error("creating key file " + path, errno);
  }
  ssize_t n = write(fd, contents.data(), contents.size());
  int err = errno;
  if (n != static_cast<ssize_t>(contents.size()) || fsync(fd) != 0) {
    if (n >= 0) err = errno ? errno : EIO;
    close(fd);
    unlink(path.c_str());
    throw io_error("writing key file " + path, err);
  }
  close(fd);
}

}  // namespace strata::app
