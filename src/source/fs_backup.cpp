// The backup pipeline for filesystem trees (see fs_backup.h).
#include "source/fs_backup.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <fnmatch.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <cerrno>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <memory>

#include "common/error.h"
#include "common/host_identity.h"
#include "common/thread_pool.h"
#include "common/time_util.h"
#include "source/chunk_batcher.h"
#include "source/fs_metadata.h"

namespace strata::source {

using repo::BlobId;
using repo::BlobType;
using repo::Node;
using repo::NodeType;
using repo::Tree;


std::string canonical_source_path(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec).lexically_normal();
  std::string s = abs.string();
  if (s.size() > 1 && s.back() == '/') s.pop_back();
  if (s == "/") return s;
  std::filesystem::path p(s);
  std::string name = p.filename().string();
  char* parent = realpath(p.parent_path().string().c_str(), nullptr);
  if (!parent) return s;  // reported when the source is examined
  std::string dir = parent;
  free(parent);
  return (dir == "/" ? "" : dir) + "/" + name;
}

namespace {

constexpr size_t kReadSize = 1024 * 1024;
// Directory descriptors held open along the walk's current path. Entries are
// reached relative to their directory's descriptor (one path component to look
// up instead of the whole path, three times per file); below this depth, by
// their full path, so that a deep tree cannot exhaust the descriptor limit.
constexpr int kMaxHeldDirs = 64;

// A descriptor closed when it goes out of scope (also when a repository error
// unwinds the walk).
struct UniqueFd {
  int fd = -1;
  explicit UniqueFd(int f) : fd(f) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  void reset() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

// The names in an open directory (without "." and ".."), read with getdents64
// straight into a buffer: no opendir/fstat/fcntl around it. Returns 0 or an errno.
int list_directory(int fd, std::vector<std::string>& names) {
  alignas(struct dirent64) char buf[32768];
  for (;;) {
    ssize_t n = getdents64(fd, buf, sizeof buf);
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

// A source file that could not be read: reported, the backup goes on without it.
struct ReadFailure {
  std::string message;
};

struct PendingDir;

// A tree entry whose content may still be in the pipeline.
struct PendingEntry {
  Node node;
  std::optional<BlobId> old_subtree;  // dirs: the parent snapshot's tree, if any
  std::optional<std::vector<BlobId>> old_content;  // files read again despite a parent node
  std::vector<ChunkRef> chunks;
  std::shared_ptr<PendingDir> child;
};

struct PendingDir {
  std::vector<PendingEntry> entries;
  std::optional<BlobId> id;  // set once finalized
  bool ready() const {
    for (const auto& e : entries) {
      if (e.child && !e.child->id) return false;
      for (const auto& c : e.chunks)
        if (!c.ready()) return false;
    }
    return true;
  }
};

// Parent snapshot's tree at one directory, looked up by name.
struct ParentDir {
  std::map<std::string, Node> nodes;
  // The parent snapshot's node of this name (and type), if any.
  const Node* find(const std::string& name) const {
    auto it = nodes.find(name);
    return it != nodes.end() ? &it->second : nullptr;
  }
  const Node* find(const std::string& name, NodeType type) const {
    const Node* n = find(name);
    return n && n->type == type ? n : nullptr;
  }
};

class Archiver {
 public:
  Archiver(repo::Repository& repo, const BackupOptions& opts, ProgressCounters& progress)
      : repo_(repo), opts_(opts), progress_(progress),
        buffer_(repo.chunker().params().max_size + kReadSize),
        batcher_(repo, pool_, opts.max_in_flight ? opts.max_in_flight : 16ull * 1024 * 1024),
        pool_(opts.threads ? opts.threads : ThreadPool::default_threads()) {}

  BackupResult run_paths();
  BackupResult run_stream(int fd, const std::string& name);

 private:
  // Walks the directory open as `fd` (owned; -1 when opening it failed with
  // `open_errno`, which is then reported) at `depth` below the selected path.
  std::shared_ptr<PendingDir> walk_dir(const std::string& path, int fd, int open_errno,
                                       const ParentDir* parent, int depth);
  // Adds the entry `name` of the directory open as `dirfd` (AT_FDCWD: reached by
  // its full `path` instead).
  void add_entry(PendingDir& dir, int dirfd, const std::string& path, const std::string& name,
                 const ParentDir* parent, dev_t root_dev, int depth);
  bool excluded(const std::string& path, const std::string& name) const;
  void read_file(int fd, PendingEntry& entry, const std::string& path, bool sparse);
  // Reads through `read_some` (returns bytes read, 0 at the end) and submits the
  // chunks of what it returns; returns the byte count.
  size_t chunk_input(PendingEntry& entry, const std::function<size_t(uint8_t*, size_t)>& read_some);
  std::unique_ptr<ParentDir> load_parent(const std::optional<BlobId>& tree_id);
  void queue_finalize(const std::shared_ptr<PendingDir>& dir);
  void drain(bool all);
  BlobId finalize(PendingDir& dir);
  BackupResult finish(const BlobId& root, std::vector<std::string> paths, int64_t start);
  void record_error(const std::string& msg) {
    errors_.push_back(msg);
    progress_.errors++;
    summary_.files_failed++;
  }

  repo::Repository& repo_;
  const BackupOptions& opts_;
  ProgressCounters& progress_;
  Bytes buffer_;
  std::deque<std::shared_ptr<PendingDir>> finalize_queue_;
  repo::SnapshotSummary summary_;
  std::vector<std::string> errors_;
  dev_t root_dev_ = 0;
  ChunkBatcher batcher_;  // submits to pool_ (only stores the reference when built)
  ThreadPool pool_;       // last: destroyed (joined) first, while the batcher exists
};

bool Archiver::excluded(const std::string& path, const std::string& name) const {
  for (const auto& pat : opts_.excludes)
    if (fnmatch(pat.c_str(), name.c_str(), 0) == 0 || fnmatch(pat.c_str(), path.c_str(), 0) == 0)
      return true;
  return false;
}

std::unique_ptr<ParentDir> Archiver::load_parent(const std::optional<BlobId>& tree_id) {
  if (!tree_id) return nullptr;
  try {
    Bytes raw = repo_.load_blob(*tree_id, BlobType::tree);
    Tree t;
    std::string reason;
    if (!repo::parse_tree(raw, t, reason)) return nullptr;
    auto p = std::make_unique<ParentDir>();
    for (auto& n : t.nodes) p->nodes.emplace(n.name, std::move(n));
    return p;
  } catch (const Error&) {
    return nullptr;  // a damaged parent only costs re-reading
  }
}

// Boundaries are searched in what has been read so far; more is read only when
// none is found there (a boundary found in a prefix is the boundary of the whole
// input), so the unconsumed tail is moved to the buffer's front rarely and is small.
size_t Archiver::chunk_input(PendingEntry& entry, const std::function<size_t(uint8_t*, size_t)>& read_some) {
  const auto& chunker = repo_.chunker();
  const size_t max = chunker.params().max_size;
  uint8_t* buf = buffer_.data();
  size_t begin = 0, end = 0, total = 0;  // unconsumed input is buf[begin, end)
  bool eof = false;
  for (;;) {
    size_t avail = end - begin;
    if (avail > 0) {
      size_t cut = chunker.cut(buf + begin, avail);
      if (cut < avail || avail >= max || eof) {
        entry.chunks.push_back(batcher_.add(buf + begin, cut));
        begin += cut;
        continue;
      }
    } else if (eof) {
      break;
    }
    if (end == buffer_.size()) {
      std::memmove(buf, buf + begin, avail);
      begin = 0;
      end = avail;
    }
    size_t n = read_some(buf + end, buffer_.size() - end);
    if (n == 0) {
      eof = true;
      continue;
    }
    end += n;
    total += n;
    summary_.bytes_read += n;
    progress_.bytes_done += n;
  }
  return total;
}

void Archiver::read_file(int fd, PendingEntry& entry, const std::string& path, bool sparse) {
  std::vector<repo::Extent> extents;
  if (sparse) {
    off_t pos = 0, size = static_cast<off_t>(entry.node.size);
    while (pos < size) {
      off_t data = lseek(fd, pos, SEEK_DATA);
      if (data < 0) {
        if (errno == ENXIO) break;  // no more data
        if (extents.empty()) {      // no SEEK_DATA support: read it all
          extents.push_back({0, entry.node.size});
          break;
        }
        throw ReadFailure{path + ": finding data regions: " + errno_text(errno)};
      }
      off_t hole = lseek(fd, data, SEEK_HOLE);
      if (hole < 0) hole = size;
      if (hole > size) hole = size;
      extents.push_back({static_cast<uint64_t>(data), static_cast<uint64_t>(hole - data)});
      pos = hole;
    }
    if (extents.size() != 1 || extents[0].offset != 0 || extents[0].length != entry.node.size)
      entry.node.extents = extents;
  } else {
    extents.push_back({0, entry.node.size});
  }
  uint64_t total_read = 0;
  for (const auto& ex : extents) {
    uint64_t remaining = ex.length;
    off_t offset = static_cast<off_t>(ex.offset);
    total_read += chunk_input(entry, [&](uint8_t* dst, size_t room) -> size_t {
      size_t want = static_cast<size_t>(std::min<uint64_t>(room, remaining));
      if (want == 0) return 0;
      for (;;) {
        ssize_t n = pread(fd, dst, want, offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw ReadFailure{path + ": " + errno_text(errno)};
        offset += n;
        remaining -= static_cast<uint64_t>(n);
        return static_cast<size_t>(n);  // 0: the file shrank while being read
      }
    });
  }
  // A file that shrank while being read is recorded with the bytes it had, not
  // padded to its earlier size (pseudo-files report sizes they do not deliver).
  if (!entry.node.extents && total_read < entry.node.size) entry.node.size = total_read;
}

void Archiver::add_entry(PendingDir& dir, int dirfd, const std::string& path,
                         const std::string& name, const ParentDir* parent, dev_t root_dev,
                         int depth) {
  if (excluded(path, name)) return;
  const char* at_name = dirfd == AT_FDCWD ? path.c_str() : name.c_str();
  struct stat st;
  if (fstatat(dirfd, at_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    record_error(path + ": " + errno_text(errno));
    return;
  }
  PendingEntry entry;
  entry.node.name = name;
  const Node* previous = parent && !opts_.force ? parent->find(name) : nullptr;
  // Xattrs (and a link target) unless reused from the parent snapshot: read
  // through the entry's descriptor where one is opened anyway.
  const bool read_extras = node_from_stat(st, entry.node, previous);
  const Node* old = parent ? parent->find(name, entry.node.type) : nullptr;
  if (entry.node.type == NodeType::dir) {
    if (opts_.one_file_system && st.st_dev != root_dev) {
      // Mount point of another filesystem: keep the directory itself, empty.
      if (read_extras) read_xattrs(-1, path, entry.node);
      auto empty = std::make_shared<PendingDir>();
      entry.child = empty;
      queue_finalize(empty);
    } else {
      int fd = openat(dirfd, at_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int open_errno = fd < 0 ? errno : 0;
      UniqueFd guard(fd);
      if (read_extras) read_xattrs(fd, path, entry.node);
      std::unique_ptr<ParentDir> sub = old ? load_parent(old->subtree) : nullptr;
      guard.fd = -1;  // walk_dir owns it from here
      entry.child = walk_dir(path, fd, open_errno, sub.get(), depth + 1);
    }
    if (!old) summary_.dirs_new++;
    else entry.old_subtree = old->subtree;
    dir.entries.push_back(std::move(entry));
    return;
  }
  if (entry.node.type == NodeType::file) {
    Node& n = entry.node;
    bool unchanged = old && !opts_.force && old->size == n.size && old->mtime_ns == n.mtime_ns &&
                     old->ctime_ns == n.ctime_ns && old->inode == n.inode;
    if (unchanged) {
      for (const auto& id : old->content)
        if (!repo_.index().has(id)) { unchanged = false; break; }
    }
    if (unchanged) {
      if (read_extras) read_xattrs(-1, path, n);
      n.content = old->content;
      n.extents = old->extents;
      summary_.files_unchanged++;
      progress_.bytes_done += n.size;
    } else {
      int fd = openat(dirfd, at_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
      if (fd < 0 && errno == EPERM) fd = openat(dirfd, at_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        record_error(path + ": " + errno_text(errno));
        return;
      }
      UniqueFd guard(fd);
      if (read_extras) read_xattrs(fd, path, n);
      bool sparse = n.size > 0 && static_cast<uint64_t>(st.st_blocks) * 512 < n.size;
      try {
        read_file(fd, entry, path, sparse);
      } catch (const ReadFailure& e) {
        record_error(e.message);
        return;
      }
      guard.reset();
      if (old) entry.old_content = old->content;  // changed or not: decided once hashed
      else summary_.files_new++;
    }
    summary_.bytes_total += n.size;
    progress_.files_done++;
  } else if (read_extras) {
    if (entry.node.type == NodeType::symlink) read_link_target(dirfd, at_name, st, entry.node);
    read_xattrs(-1, path, entry.node);
  }
  dir.entries.push_back(std::move(entry));
}

std::shared_ptr<PendingDir> Archiver::walk_dir(const std::string& path, int fd, int open_errno,
                                               const ParentDir* parent, int depth) {
  UniqueFd dirfd(fd);
  auto dir = std::make_shared<PendingDir>();
  std::vector<std::string> names;
  if (fd < 0) {
    record_error(path + ": " + errno_text(open_errno));
  } else if (int err = list_directory(fd, names)) {
    record_error(path + ": " + errno_text(err));
  }
  std::sort(names.begin(), names.end());
  if (depth >= kMaxHeldDirs) dirfd.reset();  // entries below are reached by path
  const int entries_fd = dirfd.fd >= 0 ? dirfd.fd : AT_FDCWD;
  std::string prefix = path == "/" ? "/" : path + "/";
  for (const auto& name : names)
    add_entry(*dir, entries_fd, prefix + name, name, parent, root_dev_, depth);
  dirfd.reset();
  queue_finalize(dir);
  return dir;
}

void Archiver::queue_finalize(const std::shared_ptr<PendingDir>& dir) {
  finalize_queue_.push_back(dir);
  drain(false);
}

// Finalizes directories in post-order as their content becomes ready; blocks only
// when too many are waiting (bounding memory).
void Archiver::drain(bool all) {
  while (!finalize_queue_.empty()) {
    auto& front = finalize_queue_.front();
    if (!front->ready()) {
      if (!all && finalize_queue_.size() < 4096) return;
      batcher_.flush();  // about to wait: its chunks may sit in the open batch
    }
    finalize(*front);
    finalize_queue_.pop_front();
  }
}

BlobId Archiver::finalize(PendingDir& dir) {
  Tree tree;
  tree.nodes.reserve(dir.entries.size());
  for (auto& e : dir.entries) {
    if (e.child) {
      if (!e.child->id) finalize(*e.child);
      e.node.subtree = *e.child->id;
      if (e.old_subtree) (*e.old_subtree == *e.child->id ? summary_.dirs_unchanged : summary_.dirs_changed)++;
    }
    for (auto& c : e.chunks) {
      if (!c.batch->submitted) batcher_.flush();
      e.node.content.push_back(c.get());  // rethrows worker errors
    }
    if (e.old_content) (*e.old_content == e.node.content ? summary_.files_unchanged : summary_.files_changed)++;
    tree.nodes.push_back(std::move(e.node));
  }
  dir.entries.clear();
  dir.entries.shrink_to_fit();
  Bytes raw = repo::encode_tree(tree);
  BlobId id = repo_.blob_id(raw, BlobType::tree);
  repo_.save_blob(BlobType::tree, id, raw);
  dir.id = id;
  return id;
}

BackupResult Archiver::finish(const BlobId& root, std::vector<std::string> paths, int64_t start) {
  // Chunks of files dropped after a read error are still in the pipeline: wait for
  // all of them, and never commit if any store failed.
  batcher_.flush();
  pool_.wait_idle();
  batcher_.rethrow_failure();
  if (opts_.before_commit) opts_.before_commit();
  repo::Snapshot snap;
  snap.time_ns = start;
  snap.host = opts_.host.empty() ? local_hostname() : opts_.host;
  snap.username = local_username();
  snap.uid = getuid();
  snap.gid = getgid();
  snap.paths = std::move(paths);
  snap.tags = opts_.tags;
  snap.dataset = opts_.dataset;
  snap.parent = opts_.parent ? opts_.parent->id : "";
  snap.tree = root;
  snap.program = std::string("strata ") + STRATA_VERSION;
  repo_.flush();
  auto& ws = repo_.write_stats();
  summary_.bytes_added = ws.raw_bytes_added;
  summary_.bytes_stored = ws.stored_bytes_added;
  summary_.blobs_added = ws.blobs_added;
  summary_.duration_seconds = static_cast<double>(now_ns() - start) / 1e9;
  snap.summary = summary_;
  repo::save_snapshot(repo_, snap);
  return BackupResult{std::move(snap), std::move(errors_)};
}

// The snapshot's root tree mirrors absolute paths: /srv/a and /srv/b become
// root -> "srv" -> {"a", "b"}. Intermediate directories carry their real metadata.
struct PathTrie {
  std::map<std::string, PathTrie> children;
  bool selected = false;  // this path itself is backed up (with everything below)
};

BackupResult Archiver::run_paths() {
  int64_t start = now_ns();
  PathTrie root;
  std::vector<std::string> abs_paths;
  for (const auto& p : opts_.paths) {
    std::string abs = canonical_source_path(p);
    struct stat st;
    if (lstat(abs.c_str(), &st) != 0)
      throw Error(ExitCode::not_found, "backup source " + abs + ": " + errno_text(errno));
    abs_paths.push_back(abs);
    PathTrie* t = &root;
    for (const auto& part : std::filesystem::path(abs)) {
      std::string s = part.string();
      if (s == "/" || s.empty()) continue;
      t = &t->children[s];
    }
    t->selected = true;
  }
  std::unique_ptr<ParentDir> parent_root =
      opts_.parent ? load_parent(opts_.parent->tree) : nullptr;

  // Recursive over the trie: selected nodes are walked for real.
  std::function<std::shared_ptr<PendingDir>(const PathTrie&, const std::string&, const ParentDir*)>
      build = [&](const PathTrie& t, const std::string& path, const ParentDir* parent) {
        auto dir = std::make_shared<PendingDir>();
        std::string prefix = path == "/" ? "/" : path + "/";
        for (const auto& [name, child] : t.children) {
          std::string child_path = prefix + name;
          if (child.selected) {
            struct stat st;
            lstat(child_path.c_str(), &st);
            root_dev_ = st.st_dev;
            add_entry(*dir, AT_FDCWD, child_path, name, parent, st.st_dev, 0);
            continue;
          }
          struct stat st;
          if (lstat(child_path.c_str(), &st) != 0) {
            record_error(child_path + ": " + errno_text(errno));
            continue;
          }
          PendingEntry e;
          e.node.name = name;
          node_from_stat(child_path, st, e.node);
          const Node* old = parent ? parent->find(name, e.node.type) : nullptr;
          std::unique_ptr<ParentDir> sub = old ? load_parent(old->subtree) : nullptr;
          e.child = build(child, child_path, sub.get());
          dir->entries.push_back(std::move(e));
        }
        queue_finalize(dir);
        return dir;
      };
  std::shared_ptr<PendingDir> top;
  if (root.selected) {  // "/" itself: the whole filesystem tree is the snapshot's root
    struct stat st;
    lstat("/", &st);
    root_dev_ = st.st_dev;
    int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    top = walk_dir("/", fd, fd < 0 ? errno : 0, parent_root.get(), 0);
  } else {
    top = build(root, "/", parent_root.get());
  }
  drain(true);
  return finish(*top->id, abs_paths, start);
}

BackupResult Archiver::run_stream(int fd, const std::string& name) {
  int64_t start = now_ns();
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    throw Error(ExitCode::usage, "--stdin-name must be a plain file name");
  PendingEntry entry;
  entry.node.name = name;
  entry.node.type = NodeType::file;
  entry.node.mode = 0600;
  entry.node.uid = getuid();
  entry.node.gid = getgid();
  entry.node.mtime_ns = entry.node.ctime_ns = entry.node.atime_ns = start;
  entry.node.size = chunk_input(entry, [&](uint8_t* dst, size_t room) -> size_t {
    for (;;) {
      ssize_t n = read(fd, dst, room);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw io_error("reading standard input", errno);
      return static_cast<size_t>(n);
    }
  });
  summary_.files_new = 1;
  summary_.bytes_total = entry.node.size;
  progress_.files_done++;
  auto dir = std::make_shared<PendingDir>();
  dir->entries.push_back(std::move(entry));
  BlobId root = finalize(*dir);
  return finish(root, {"/" + name}, start);
}

}  // namespace

BackupResult backup_paths(repo::Repository& repo, const BackupOptions& options,
                          ProgressCounters& progress) {
  Archiver a(repo, options, progress);
  return a.run_paths();
}

BackupResult backup_stream(repo::Repository& repo, int fd, const std::string& name,
                           const BackupOptions& options, ProgressCounters& progress) {
  Archiver a(repo, options, progress);
  return a.run_stream(fd, name);
}

}  // namespace strata::source
