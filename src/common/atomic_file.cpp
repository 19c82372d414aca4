// AtomicFileWriter and replace_file (see atomic_file.h).
#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"

namespace strata::posix {

AtomicFileWriter::AtomicFileWriter(std::string path, mode_t mode)
    : path_(std::move(path)), tmp_(path_ + ".strata-tmp") {
  fd_.reset(open_retry(tmp_, O_WRONLY | O_CREAT | O_TRUNC, mode));
  if (!fd_) throw io_error("creating " + tmp_, errno);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (committed_) return;
  fd_.reset();
  ::unlink(tmp_.c_str());
}

void AtomicFileWriter::fail(const std::string& what, int err) {
  fd_.reset();
  ::unlink(tmp_.c_str());
  committed_ = true;  // nothing left to clean up
  throw io_error(what, err);
}

void AtomicFileWriter::write(ByteView data) {
  if (int err = write_all(fd_.get(), data); err != 0) fail("writing " + tmp_, err);
}

void AtomicFileWriter::own_like(const struct stat& owner) {
  if (::geteuid() == 0 && ::fchown(fd_.get(), owner.st_uid, owner.st_gid) != 0)
    fail("changing the owner of " + tmp_, errno);
}

uint64_t AtomicFileWriter::commit(Durability durability) {
  struct stat st {};
  if (durability == Durability::synced) {
    if (int err = fsync_fd(fd_.get()); err != 0) fail("writing " + tmp_, err);
  }
  if (::fstat(fd_.get(), &st) != 0) fail("writing " + tmp_, errno);
  if (int err = fd_.close(); err != 0) fail("writing " + tmp_, err);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail("renaming " + tmp_ + " to " + path_, errno);
  committed_ = true;
  if (durability == Durability::synced) {
    const std::string dir = parent_directory(path_);
    if (int err = fsync_dir(dir); err != 0) throw io_error("syncing directory " + dir, err);
  }
  return static_cast<uint64_t>(st.st_size);
}

void replace_file(const std::string& path, ByteView data, Durability durability, const struct stat* owner) {
  AtomicFileWriter out(path);
  out.write(data);
  if (owner) out.own_like(*owner);
  out.commit(durability);
}

}  // namespace strata::posix
