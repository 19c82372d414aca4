// Walking, reading and chunking for file-tree backups (see backup_walker_internal.h).
#include "source/backup_walker_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "common/posix_io.h"
#include "source/fs_metadata.h"

namespace strata::source::internal {

using repo::BlobId;
using repo::BlobType;
using repo::Node;
using repo::NodeType;
using repo::Tree;

namespace {

constexpr size_t kReadSize = 1024 * 1024;
// Directory descriptors held open along the walk's current path. Entries are
// reached relative to their directory's descriptor (one path component to look
// up instead of the whole path, three times per file); below this depth, by
// their full path, so that a deep tree cannot exhaust the descriptor limit.
constexpr int kMaxHeldDirs = 64;

}  // namespace

void add_walk_counters(repo::SnapshotSummary& into, const repo::SnapshotSummary& from) {
  into.files_new += from.files_new;
  into.files_changed += from.files_changed;
  into.files_unchanged += from.files_unchanged;
  into.dirs_new += from.dirs_new;
  into.dirs_changed += from.dirs_changed;
  into.dirs_unchanged += from.dirs_unchanged;
  into.files_failed += from.files_failed;
  into.bytes_read += from.bytes_read;
  into.bytes_total += from.bytes_total;
}

Walker::Walker(WalkContext& ctx, ThreadPool& pool, Budget& budget, uint64_t spare_limit,
               bool may_hand_off, int pack_stream)
    : ctx_(ctx), may_hand_off_(may_hand_off),
      batcher_(ctx.repo, pool, budget, spare_limit, pack_stream) {}

void Walker::record_error(const std::string& msg) {
  errors_.push_back(msg);
  ctx_.progress.errors++;
  summary_.files_failed++;
}

std::unique_ptr<ParentDir> load_parent(repo::Repository& repo, const std::optional<BlobId>& tree_id) {
  if (!tree_id) return nullptr;
  try {
    Bytes raw = repo.load_blob(*tree_id, BlobType::tree);
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

bool Walker::excluded(const std::string& path, const std::string& name) const {
  for (const auto& pat : ctx_.opts.excludes)
    if (fnmatch(pat.c_str(), name.c_str(), 0) == 0 || fnmatch(pat.c_str(), path.c_str(), 0) == 0)
      return true;
  return false;
}

// Boundaries are searched in what has been read so far; more is read only when
// none is found there (a boundary found in a prefix is the boundary of the whole
// input), so the unconsumed tail is moved to the buffer's front rarely and is small.
size_t Walker::chunk_input(PendingEntry& entry, const std::function<size_t(uint8_t*, size_t)>& read_some) {
  const auto& chunker = ctx_.repo.chunker();
  const size_t max = chunker.params().max_size;
  if (buffer_.empty()) buffer_.resize(max + kReadSize);
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
    ctx_.opts.cancel.throw_if_cancelled();
    size_t n = read_some(buf + end, buffer_.size() - end);
    if (n == 0) {
      eof = true;
      continue;
    }
    end += n;
    total += n;
    summary_.bytes_read += n;
    ctx_.progress.bytes_done += n;
  }
  return total;
}

void Walker::read_file(int fd, PendingEntry& entry, const std::string& path, bool sparse) {
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
  std::unique_ptr<FileObserver> observer = ctx_.opts.inspector ? ctx_.opts.inspector->observe(path, fd) : nullptr;
  for (const auto& ex : extents) {
    uint64_t remaining = ex.length;
    off_t offset = static_cast<off_t>(ex.offset);
    total_read += chunk_input(entry, [&](uint8_t* dst, size_t room) -> size_t {
      size_t want = static_cast<size_t>(std::min<uint64_t>(room, remaining));
      if (want == 0) return 0;
      ssize_t n = posix::pread_some(fd, dst, want, static_cast<uint64_t>(offset));
      if (n < 0) throw ReadFailure{path + ": " + errno_text(errno)};
      if (observer && n > 0) observer->data(static_cast<uint64_t>(offset), ByteView(dst, static_cast<size_t>(n)));
      offset += n;
      remaining -= static_cast<uint64_t>(n);
      return static_cast<size_t>(n);  // 0: the file shrank while being read
    });
  }
  if (observer) observer->finish();
  // A file that shrank while being read is recorded with the bytes it had, not
  // padded to its earlier size (pseudo-files report sizes they do not deliver).
  if (!entry.node.extents && total_read < entry.node.size) entry.node.size = total_read;
}

void Walker::add_entry(PendingDir& dir, int dirfd, const std::string& path,
                         const std::string& name, const ParentDir* parent, dev_t root_dev,
                         int depth) {
  // Cancellation first: when the other walker stopped because the job was
  // cancelled, this one reports the cancellation, not a failure.
  ctx_.opts.cancel.throw_if_cancelled();
  if (ctx_.aborting.load(std::memory_order_relaxed))
    throw Error(ExitCode::failure, "backup stopped: another part of it failed");
  if (excluded(path, name)) return;
  const char* at_name = dirfd == AT_FDCWD ? path.c_str() : name.c_str();
  struct stat st;
  if (fstatat(dirfd, at_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT && ctx_.opts.ignore_vanished) return;
    record_error(path + ": " + errno_text(errno));
    return;
  }
  PendingEntry entry;
  entry.node.name = name;
  const Node* previous = parent && !ctx_.opts.force ? parent->find(name) : nullptr;
  // Xattrs (and a link target) unless reused from the parent snapshot: read
  // through the entry's descriptor where one is opened anyway.
  const bool read_extras = node_from_stat(st, entry.node, previous);
  const Node* old = parent ? parent->find(name, entry.node.type) : nullptr;
  if (entry.node.type == NodeType::dir) {
    if (ctx_.opts.one_file_system && st.st_dev != root_dev) {
      // Mount point of another filesystem: keep the directory itself, empty.
      if (read_extras) read_xattrs(-1, path, entry.node);
      auto empty = std::make_shared<PendingDir>();
      entry.child = empty;
      queue_finalize(empty);
    } else {
      SubtreeTask task;
      task.path = path;
      // O_NOATIME: reading the directory must not change the atime the snapshot
      // records, or every next backup would store the tree again.
      task.fd = openat(dirfd, at_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
      if (task.fd < 0 && errno == EPERM) task.fd = openat(dirfd, at_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      task.open_errno = task.fd < 0 ? errno : 0;
      task.depth = depth + 1;
      task.root_dev = root_dev;
      if (old) task.parent_tree = old->subtree;
      posix::UniqueFd guard(task.fd);  // closed if reading the attributes throws
      if (read_extras) read_xattrs(task.fd, path, entry.node);
      guard.release();  // whoever walks the subtree owns the descriptor from here
      // Not the selected path itself (depth 0): handing over the whole walk
      // would only move it to another thread.
      if (may_hand_off_ && depth >= 1 && depth <= kHandOffDepth && ctx_.offer)
        entry.child = ctx_.offer(std::move(task));  // nullptr: the task is untouched
      if (!entry.child) {
        std::unique_ptr<ParentDir> sub = load_parent(ctx_.repo, task.parent_tree);
        entry.child = walk_dir(std::move(task), sub.get());
      }
    }
    if (!old) summary_.dirs_new++;
    else entry.old_subtree = old->subtree;
    dir.entries.push_back(std::move(entry));
    return;
  }
  if (entry.node.type == NodeType::file) {
    Node& n = entry.node;
    bool unchanged = old && !ctx_.opts.force && old->size == n.size && old->mtime_ns == n.mtime_ns &&
                     old->ctime_ns == n.ctime_ns && old->inode == n.inode &&
                     (ctx_.opts.reuse_only_mtime_before_ns == 0 ||
                      old->mtime_ns < ctx_.opts.reuse_only_mtime_before_ns);
    if (unchanged) {
      for (const auto& id : old->content)
        if (!ctx_.repo.index().has(id)) { unchanged = false; break; }
    }
    if (unchanged) {
      if (read_extras) read_xattrs(-1, path, n);
      n.content = old->content;
      n.extents = old->extents;
      summary_.files_unchanged++;
      ctx_.progress.bytes_done += n.size;
    } else {
      int fd = openat(dirfd, at_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
      if (fd < 0 && errno == EPERM) fd = openat(dirfd, at_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        if (errno == ENOENT && ctx_.opts.ignore_vanished) return;
        record_error(path + ": " + errno_text(errno));
        return;
      }
      posix::UniqueFd guard(fd);
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
    ctx_.progress.files_done++;
  } else if (read_extras) {
    if (entry.node.type == NodeType::symlink) read_link_target(dirfd, at_name, st, entry.node);
    read_xattrs(-1, path, entry.node);
  }
  dir.entries.push_back(std::move(entry));
}

std::shared_ptr<PendingDir> Walker::walk_dir(SubtreeTask&& task, const ParentDir* parent) {
  const std::string& path = task.path;
  const int fd = task.fd, open_errno = task.open_errno, depth = task.depth;
  posix::UniqueFd dirfd(fd);
  auto dir = std::make_shared<PendingDir>();
  std::vector<std::string> names;
  if (fd < 0) {
    if (!(open_errno == ENOENT && ctx_.opts.ignore_vanished)) record_error(path + ": " + errno_text(open_errno));
  } else if (int err = posix::list_directory(fd, names)) {
    record_error(path + ": " + errno_text(err));
  }
  std::sort(names.begin(), names.end());
  if (depth >= kMaxHeldDirs) dirfd.reset();  // entries below are reached by path
  const int entries_fd = dirfd ? dirfd.get() : AT_FDCWD;
  std::string prefix = path == "/" ? "/" : path + "/";
  for (const auto& name : names)
    add_entry(*dir, entries_fd, prefix + name, name, parent, task.root_dev, depth);
  dirfd.reset();
  queue_finalize(dir);
  return dir;
}

void Walker::queue_finalize(const std::shared_ptr<PendingDir>& dir) {
  finalize_queue_.push_back(dir);
  drain(false);
}

// Finalizes directories in post-order as their content becomes ready; blocks only
// when too many are waiting (bounding memory).
void Walker::drain(bool all) {
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

BlobId Walker::finalize(PendingDir& dir) {
  Tree tree;
  tree.nodes.reserve(dir.entries.size());
  for (auto& e : dir.entries) {
    if (e.child) {
      if (e.child->remote.valid()) e.child->remote.get();  // rethrows the other walker's error
      else if (!e.child->id) finalize(*e.child);
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
  BlobId id = ctx_.repo.blob_id(raw, BlobType::tree);
  ctx_.repo.save_blob(BlobType::tree, id, raw, false, batcher_.stream());
  dir.id = id;
  return id;
}

}  // namespace strata::source::internal
