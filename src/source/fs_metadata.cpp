// lstat/xattr based metadata capture and restore for tree nodes.
#include "source/fs_metadata.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "common/error.h"

namespace strata::source {

namespace {

std::string user_name(uid_t uid) {
  static std::mutex mu;
  static std::unordered_map<uid_t, std::string> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(uid);
  if (it != cache.end()) return it->second;
  struct passwd pw, *res = nullptr;
  char buf[4096];
  std::string name;
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res) name = res->pw_name;
  cache[uid] = name;
  return name;
}

std::string group_name(gid_t gid) {
  static std::mutex mu;
  static std::unordered_map<gid_t, std::string> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(gid);
  if (it != cache.end()) return it->second;
  struct group gr, *res = nullptr;
  char buf[4096];
  std::string name;
  if (getgrgid_r(gid, &gr, buf, sizeof buf, &res) == 0 && res) name = res->gr_name;
  cache[gid] = name;
  return name;
}

int64_t ns_of(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

struct timespec ts_of(int64_t ns) {
  struct timespec ts;
  ts.tv_sec = ns / 1000000000LL;
  ts.tv_nsec = ns % 1000000000LL;
  if (ts.tv_nsec < 0) { ts.tv_nsec += 1000000000LL; ts.tv_sec -= 1; }
  return ts;
}

}  // namespace

// Through `fd` when it is open (no path lookup), else by path without following
// a symlink.
void read_xattrs(int fd, const std::string& path, repo::Node& node) {
  auto list = [&](char* buf, size_t size) {
    return fd >= 0 ? flistxattr(fd, buf, size) : llistxattr(path.c_str(), buf, size);
  };
  auto get = [&](const char* name, void* buf, size_t size) {
    return fd >= 0 ? fgetxattr(fd, name, buf, size) : lgetxattr(path.c_str(), name, buf, size);
  };
  std::vector<char> names(1024);
  ssize_t n;
  for (;;) {  // the list may grow between the size query and the read: retry
    n = list(names.data(), names.size());
    if (n >= 0 || errno != ERANGE) break;
    ssize_t need = list(nullptr, 0);
    if (need < 0) return;
    names.resize(static_cast<size_t>(need) + 256);
  }
  if (n <= 0) return;
  for (ssize_t i = 0; i < n;) {
    std::string name(names.data() + i);
    i += static_cast<ssize_t>(name.size()) + 1;
    std::vector<uint8_t> value(4096);
    ssize_t len;
    for (;;) {
      len = get(name.c_str(), value.data(), value.size());
      if (len >= 0 || errno != ERANGE) break;
      ssize_t need = get(name.c_str(), nullptr, 0);
      if (need < 0) break;
      value.resize(static_cast<size_t>(need) + 256);
    }
    if (len < 0) continue;
    value.resize(static_cast<size_t>(len));
    node.xattrs[name] = std::move(value);
  }
}

void read_link_target(int dirfd, const char* at_name, const struct stat& st, repo::Node& node) {
  std::vector<char> buf(static_cast<size_t>(st.st_size) + 256);
  ssize_t n = readlinkat(dirfd, at_name, buf.data(), buf.size());
  if (n >= 0) node.link_target.assign(buf.data(), static_cast<size_t>(n));
}

bool node_from_stat(const struct stat& st, repo::Node& node, const repo::Node* previous) {
  using repo::NodeType;
  if (S_ISREG(st.st_mode)) node.type = NodeType::file;
  else if (S_ISDIR(st.st_mode)) node.type = NodeType::dir;
  else if (S_ISLNK(st.st_mode)) node.type = NodeType::symlink;
  else if (S_ISFIFO(st.st_mode)) node.type = NodeType::fifo;
  else if (S_ISCHR(st.st_mode)) node.type = NodeType::chardev;
  else if (S_ISBLK(st.st_mode)) node.type = NodeType::blockdev;
  else node.type = NodeType::socket;
  node.mode = st.st_mode & 07777;
  node.uid = st.st_uid;
  node.gid = st.st_gid;
  node.user = user_name(st.st_uid);
  node.group = group_name(st.st_gid);
  node.mtime_ns = ns_of(st.st_mtim);
  node.ctime_ns = ns_of(st.st_ctim);
  node.atime_ns = ns_of(st.st_atim);
  node.inode = st.st_ino;
  node.device = st.st_dev;
  node.links = st.st_nlink;
  node.size = node.type == NodeType::file ? static_cast<uint64_t>(st.st_size) : 0;
  if (node.type == NodeType::chardev || node.type == NodeType::blockdev) node.rdev = st.st_rdev;
  if (previous && previous->type == node.type && previous->device == node.device &&
      previous->inode == node.inode && previous->ctime_ns == node.ctime_ns) {
    node.link_target = previous->link_target;
    node.xattrs = previous->xattrs;
    return false;
  }
  return true;
}

void node_from_stat(const std::string& path, const struct stat& st, repo::Node& node,
                    const repo::Node* previous) {
  if (!node_from_stat(st, node, previous)) return;
  if (node.type == repo::NodeType::symlink) read_link_target(AT_FDCWD, path.c_str(), st, node);
  read_xattrs(-1, path, node);
}

namespace {

// Ownership, xattrs, mode and times, in that order (chown clears set-id bits, so
// chmod comes after it): through `fd` when it is open (a regular file after its
// last write; no path lookups), else by `path` without following a symlink.
std::string apply(const std::string& path, int fd, const repo::Node& node) {
  std::string problems;
  auto note = [&](const std::string& what) {
    if (!problems.empty()) problems += "; ";
    problems += what + ": " + errno_text(errno);
  };
  const char* p = path.c_str();
  if ((fd >= 0 ? fchown(fd, node.uid, node.gid) : lchown(p, node.uid, node.gid)) != 0 &&
      geteuid() == 0)
    note("chown");
  for (const auto& [name, value] : node.xattrs) {
    int rc = fd >= 0 ? fsetxattr(fd, name.c_str(), value.data(), value.size(), 0)
                     : lsetxattr(p, name.c_str(), value.data(), value.size(), 0);
    if (rc != 0 && errno != ENOTSUP) note("xattr " + name);
  }
  // Never follow a symlink that replaced the entry meanwhile.
  if (fd >= 0 ? fchmod(fd, node.mode) != 0
              : node.type != repo::NodeType::symlink &&
                    fchmodat(AT_FDCWD, p, node.mode, AT_SYMLINK_NOFOLLOW) != 0)
    note("chmod");
  struct timespec times[2] = {ts_of(node.atime_ns), ts_of(node.mtime_ns)};
  if ((fd >= 0 ? futimens(fd, times) : utimensat(AT_FDCWD, p, times, AT_SYMLINK_NOFOLLOW)) != 0)
    note("utimensat");
  return problems;
}

}  // namespace

std::string apply_metadata(const std::string& path, const repo::Node& node) {
  return apply(path, -1, node);
}

std::string apply_file_metadata(int fd, const repo::Node& node) { return apply("", fd, node); }

}  // namespace strata::source
