// LocalBackend: objects as files under a directory, written temp + fsync + rename +
// fsync(dir) so that a crash never leaves a partial object under its final name.
// Files are created 0600 and directories 0700 (before umask): backups are private.
#include "storage/local_backend.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>

#include "storage/object_name_internal.h"
#include "storage/posix_file_internal.h"

namespace strata::storage {
namespace {

constexpr mode_t kFileMode = 0600;
constexpr mode_t kDirMode = 0700;

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string join(const std::string& dir, const std::string& name) {
  return dir.ends_with('/') ? dir + name : dir + "/" + name;
}

bool is_absent(int err) { return err == ENOENT || err == ENOTDIR; }

void sync_dir_or_throw(const std::string& dir, const std::string& why) {
  if (int err = fsync_dir(dir); err != 0) throw io_error("syncing directory " + dir + why, err);
}

// mkdir -p that fsyncs the parent of each directory it creates; ignores any cache.
// `keep_root` (when not null) is a directory that must not be created again: the
// repository directory of an opened repository that has since disappeared.
void make_dirs(const std::string& dir, bool durable, const std::string* keep_root) {
  if (keep_root && dir == *keep_root) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) return;
    throw Error(ExitCode::io, "repository directory " + dir +
                                  " has disappeared (moved, deleted or its disk unmounted); not creating it again");
  }
  if (::mkdir(dir.c_str(), kDirMode) != 0) {
    if (errno == EEXIST) return;  // a non-directory here makes the later open fail
    if (errno != ENOENT || parent_of(dir) == dir) {
      throw io_error("creating directory " + dir, errno);
    }
    make_dirs(parent_of(dir), durable, keep_root);
    if (::mkdir(dir.c_str(), kDirMode) != 0) {
      if (errno == EEXIST) return;
      throw io_error("creating directory " + dir, errno);
    }
  }
  if (durable) sync_dir_or_throw(parent_of(dir), " after creating " + dir);
}

int open_object(const std::string& path) {
  int fd = open_retry(path, O_RDONLY);
  if (fd >= 0) return fd;
  if (is_absent(errno)) throw Error(ExitCode::not_found, path + ": no such object");
  throw io_error("reading " + path, errno);
}

uint64_t file_size(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw io_error("reading " + path, errno);
  return static_cast<uint64_t>(st.st_size);
}

Error truncated(const std::string& path, uint64_t offset, uint64_t length, uint64_t size) {
  return Error(ExitCode::integrity, path + ": truncated (wanted " + std::to_string(length) +
                                        " bytes at offset " + std::to_string(offset) +
                                        ", object has " + std::to_string(size) + ")");
}

// Calls fn(relative name, path, basename, stat) for every regular file below `dir`,
// recursively. A missing `dir` has no files; files vanishing mid-walk are skipped.
using FileVisitor = std::function<void(const std::string&, const std::string&,
                                       const std::string&, const struct stat&)>;

void walk_files(const std::string& dir, const std::string& rel, const FileVisitor& fn) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) {
    if (is_absent(errno)) return;
    throw io_error("listing " + dir, errno);
  }
  while (true) {
    errno = 0;
    const dirent* ent = ::readdir(d.get());
    if (ent == nullptr) {
      if (errno != 0) throw io_error("listing " + dir, errno);
      return;
    }
    const std::string base = ent->d_name;
    if (base == "." || base == "..") continue;
    const std::string path = join(dir, base);
    const std::string name = rel.empty() ? base : rel + "/" + base;
    struct stat st {};
    if (::fstatat(::dirfd(d.get()), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed concurrently (e.g. a temp file renamed)
      throw io_error("listing " + path, errno);
    }
    if (S_ISDIR(st.st_mode)) walk_files(path, name, fn);
    if (S_ISREG(st.st_mode)) fn(name, path, base, st);
  }
}

}  // namespace

LocalBackend::LocalBackend(std::string root, Durability durability, const Clock& clock)
    : root_(std::move(root)), durable_(durability == Durability::synced), clock_(clock) {
  while (root_.size() > 1 && root_.ends_with('/')) root_.pop_back();
  struct stat st {};
  root_existed_ = ::stat(root_.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string LocalBackend::path_of(const std::string& name) const {
  check_object_name(name);
  return join(root_, name);
}

void LocalBackend::ensure_dir(const std::string& dir) {
  {
    std::lock_guard lock(dirs_mu_);
    if (known_dirs_.contains(dir)) return;
  }
  make_dirs(dir, durable_, root_existed_ ? &root_ : nullptr);
  std::lock_guard lock(dirs_mu_);
  known_dirs_.insert(dir);
}

int LocalBackend::create_temp(const std::string& dir, std::string& tmp) {
  ensure_dir(dir);
  tmp = join(dir, kTempPrefix + random_hex());
  int fd = open_retry(tmp, O_WRONLY | O_CREAT | O_EXCL, kFileMode);
  if (fd < 0 && errno == ENOENT) {  // directory removed behind our back: recreate once
    {
      std::lock_guard lock(dirs_mu_);
      known_dirs_.erase(dir);
    }
    ensure_dir(dir);
    fd = open_retry(tmp, O_WRONLY | O_CREAT | O_EXCL, kFileMode);
  }
  return fd;
}

void LocalBackend::commit_temp(int fd, const std::string& tmp, const std::string& path, int err) {
  const std::string dir = parent_of(path);
  if (err == 0 && durable_) err = fsync_fd(fd);
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && parent_of(tmp) != dir) {
    try {
      ensure_dir(dir);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw io_error("writing " + path, err);
  }
  if (durable_) sync_dir_or_throw(dir, " after writing " + path);
}

void LocalBackend::put(const std::string& name, ByteView data) {
  const std::string path = path_of(name);
  std::string tmp;
  int fd = create_temp(parent_of(path), tmp);
  if (fd < 0) throw io_error("writing " + path, errno);
  commit_temp(fd, tmp, path, write_all_bypassing_cache(fd, data));
}

bool LocalBackend::put_if_absent(const std::string& name, ByteView data) {
  const std::string path = path_of(name);
  const std::string dir = parent_of(path);
  std::string tmp;
  int fd = create_temp(dir, tmp);
  if (fd < 0) throw io_error("writing " + path, errno);
  int err = write_all_bypassing_cache(fd, data);
  if (err == 0 && durable_) err = fsync_fd(fd);
  if (::close(fd) != 0 && err == 0) err = errno;
  bool created = false;
  if (err == 0) {
    if (::link(tmp.c_str(), path.c_str()) == 0) created = true;
    else if (errno != EEXIST) err = errno;
  }
  ::unlink(tmp.c_str());
  if (err != 0) throw io_error("writing " + path, err);
  if (durable_) sync_dir_or_throw(dir, " after writing " + path);
  return created;
}

// Streams into a temporary file in the prefix's directory, renamed into place (any
// subdirectory of the prefix, same file system) on commit.
class LocalBackend::StreamWriter : public ObjectWriter {
 public:
  StreamWriter(LocalBackend& backend, std::string prefix, std::string tmp, int fd)
      : backend_(backend), prefix_(std::move(prefix)), tmp_(std::move(tmp)), fd_(fd), out_(fd) {}

  ~StreamWriter() override {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(tmp_.c_str());
    }
  }

  void append(ByteView data) override {
    if (fd_ < 0) throw Error(ExitCode::failure, "append to a finished object in " + tmp_);
    if (int err = out_.append(data); err != 0) throw io_error("writing " + tmp_, err);
  }

  void commit(const std::string& name) override {
    if (fd_ < 0) throw Error(ExitCode::failure, "commit of a finished object in " + tmp_);
    if (!name.starts_with(prefix_ + "/"))
      throw Error(ExitCode::failure, "object " + name + " is not below " + prefix_);
    const std::string path = backend_.path_of(name);
    int err = out_.finish();
    int fd = std::exchange(fd_, -1);
    backend_.commit_temp(fd, tmp_, path, err);
  }

 private:
  LocalBackend& backend_;
  std::string prefix_;
  std::string tmp_;
  int fd_;
  DirectAppender out_;
};

std::unique_ptr<ObjectWriter> LocalBackend::begin_put(const std::string& prefix) {
  check_list_prefix(prefix);
  const std::string dir = prefix.empty() ? root_ : join(root_, prefix);
  std::string tmp;
  int fd = create_temp(dir, tmp);
  if (fd < 0) throw io_error("creating a temporary object in " + dir, errno);
  return std::make_unique<StreamWriter>(*this, prefix, tmp, fd);
}

Bytes LocalBackend::get(const std::string& name) {
  const std::string path = path_of(name);
  UniqueFd fd(open_object(path));
  Bytes out;
  if (int err = read_to_end(fd.get(), file_size(fd.get(), path), out); err != 0) {
    throw io_error("reading " + path, err);
  }
  return out;
}

Bytes LocalBackend::get_range(const std::string& name, uint64_t offset, uint64_t length) {
  const std::string path = path_of(name);
  UniqueFd fd(open_object(path));
  const uint64_t size = file_size(fd.get(), path);
  // Checked before allocating, so a corrupt length cannot exhaust memory.
  if (offset > size || length > size - offset) throw truncated(path, offset, length, size);
  Bytes out;
  if (int err = pread_full(fd.get(), offset, length, out); err != 0) {
    throw io_error("reading " + path, err);
  }
  if (out.size() != length) throw truncated(path, offset, length, offset + out.size());
  return out;
}

std::optional<uint64_t> LocalBackend::stat(const std::string& name) {
  const std::string path = path_of(name);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (is_absent(errno)) return std::nullopt;
    throw io_error("reading " + path, errno);
  }
  if (!S_ISREG(st.st_mode)) return std::nullopt;
  return static_cast<uint64_t>(st.st_size);
}

std::vector<ObjectInfo> LocalBackend::list(const std::string& prefix) {
  check_list_prefix(prefix);
  std::vector<ObjectInfo> out;
  const std::string dir = prefix.empty() ? root_ : join(root_, prefix);
  walk_files(dir, prefix, [&](const std::string& name, const std::string&,
                              const std::string& base, const struct stat& st) {
    if (base.starts_with(kTempPrefix)) return;
    const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    out.push_back(ObjectInfo{name, static_cast<uint64_t>(st.st_size), mtime});
  });
  return out;
}

void LocalBackend::remove(const std::string& name) {
  const std::string path = path_of(name);
  if (::unlink(path.c_str()) != 0) {
    if (is_absent(errno)) return;
    throw io_error("removing " + path, errno);
  }
  if (durable_) sync_dir_or_throw(parent_of(path), " after removing " + path);
}

int LocalBackend::write_refusal(const std::string& prefix) {
  struct statvfs vfs {};
  if (::statvfs(root_.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0) return EROFS;
  std::string dir = prefix.empty() ? root_ : join(root_, prefix);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) dir = root_;  // created by the first put below it
  if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) == 0) return 0;
  const int err = errno;
  return err == EROFS || err == EACCES || err == EPERM ? err : 0;
}

namespace {
constexpr long kTempMinAgeSeconds = 15 * 60;
}  // namespace

size_t LocalBackend::remove_stale_temporaries() {
  size_t removed = 0;
  walk_files(root_, "", [&](const std::string&, const std::string& path,
                            const std::string& base, const struct stat&) {
    if (!base.starts_with(kTempPrefix)) return;
    // A temporary file written in the last minutes may belong to a live writer
    // that needs no exclusive lock (a lock attempt, a key slot): leave it.
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && clock_.now_ns() / 1'000'000'000 - st.st_mtime < kTempMinAgeSeconds) return;
    if (::unlink(path.c_str()) == 0) {
      ++removed;
    } else if (errno != ENOENT) {
      throw io_error("removing " + path, errno);
    }
  });
  return removed;
}

}  // namespace strata::storage
