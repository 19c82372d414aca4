// Parallel restore of file trees (see fs_restore.h).
#include "source/fs_restore.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "common/error.h"
#include "common/posix_io.h"
#include "common/thread_pool.h"
#include "repo/tree_walk.h"
#include "source/direct_file_writer.h"
#include "source/fs_metadata.h"

namespace strata::source {

using repo::BlobId;
using repo::Node;
using repo::NodeType;

namespace {

struct Piece {  // bytes [blob_offset, +length) of a blob go to file offset file_offset
  uint32_t blob_offset;
  uint32_t length;
  uint64_t file_offset;
};

struct FileJob {
  std::string path;
  std::vector<std::string> link_paths;  // further hard-linked names
  const Node* node;
  std::unique_ptr<DirectFileWriter> direct;  // large dense files: written with O_DIRECT
  std::atomic<bool> failed{false};
  std::atomic<uint32_t> blobs_left{0};
  bool metadata_done = false;  // applied through the descriptor after the last write
  bool unchanged = false;      // its content needs no writing (delta match, or zeroed)
  bool zeroed = false;         // zero_content_under: created as a hole of its size
};

// Delta restore: true when the regular file at `path` has exactly `node`'s
// content, judged by re-chunking it and comparing chunk ids.
bool content_matches(repo::Repository& repo, const std::string& path, const Node& node) {
  if (node.extents || node.links > 1) return false;  // sparse and hard-linked files are always written
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != node.size) {
    close(fd);
    return false;
  }
  const auto& chunker = repo.chunker();
  const size_t max = chunker.params().max_size;
  std::vector<uint8_t> buf(2 * max);
  size_t begin = 0, end = 0, next = 0;
  bool eof = false, same = true;
  while (same) {
    if (!eof && end - begin < max) {
      std::memmove(buf.data(), buf.data() + begin, end - begin);
      end -= begin;
      begin = 0;
      ssize_t n = read(fd, buf.data() + end, buf.size() - end);
      if (n < 0) {
        same = false;
        break;
      }
      if (n == 0) eof = true;
      end += static_cast<size_t>(n);
      continue;
    }
    if (begin == end) break;
    size_t cut = chunker.cut(buf.data() + begin, end - begin);
    if (next >= node.content.size() || repo.blob_id(ByteView(buf.data() + begin, cut)) != node.content[next]) same = false;
    ++next;
    begin += cut;
  }
  close(fd);
  return same && next == node.content.size();
}

// Files from this size on bypass the page cache (smaller ones are mostly one
// blob, and their few blocks are cheaper to write through the cache).
constexpr uint64_t kDirectMinSize = 1024 * 1024;

struct BlobTask {
  size_t file;
  BlobId id;
  repo::BlobLocation loc;
  std::vector<Piece> pieces;
};

// open(2) with `flags`; where the file system refuses `optional` (EINVAL: no
// O_DIRECT there), again without it — the file is then written through the page
// cache. Returns the descriptor or -1 with errno set.
int open_or_without(const std::string& path, int flags, int optional) {
  int fd = open(path.c_str(), flags, 0600);
  if (fd < 0 && errno == EINVAL && optional) fd = open(path.c_str(), flags & ~optional, 0600);
  return fd;
}

// Creates `path` as a new, empty file of `size` bytes and returns its descriptor
// (opened with `extra_flags` too, unless the file system refuses them: O_DIRECT).
// Always a new inode: an existing name may be a hard link to a file outside the
// target or a symlink, and neither may be written through.
int create_file(const std::string& path, uint64_t size, int extra_flags = 0) {
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | extra_flags;
  auto open_new = [&] { return open_or_without(path, flags, extra_flags); };
  int fd = open_new();
  if (fd < 0 && errno == EEXIST) {
    if (unlink(path.c_str()) != 0 && errno != ENOENT && errno != EISDIR)
      throw io_error("replacing " + path, errno);
    fd = open_new();
  }
  if (fd < 0) throw io_error("creating " + path, errno);
  if (size > 0 && ftruncate(fd, static_cast<off_t>(size)) != 0) {
    int err = errno;
    close(fd);
    throw io_error("sizing " + path, err);
  }
  return fd;
}

// Neighbouring blobs of one pack, fetched with one read: tasks [first, last).
struct ReadGroup {
  size_t first, last;
};

// How restore reads packs: on a local disk 4 MiB reads that skip at most 64 KiB
// of unneeded blobs, one writer thread per core; on object storage, where every
// read is a request with a round trip, 8 MiB reads that skip up to 1 MiB and
// enough threads to keep several GETs in flight while others decrypt and write.
struct ReadShape {
  uint64_t max_read, max_gap;
  unsigned threads;
};
ReadShape read_shape(bool remote, unsigned threads_option) {
  const unsigned cores = ThreadPool::default_threads();
  if (remote) return {8u << 20, 1u << 20, threads_option ? threads_option : std::max(8u, 4 * cores)};
  return {4u << 20, 64u << 10, threads_option ? threads_option : cores};
}

// Groups tasks (sorted by pack and offset) into reads of at most max_read bytes
// that skip at most max_gap bytes of blobs not needed: one open and one pread (or
// one GET) for dozens of small files instead of one each.
std::vector<ReadGroup> group_reads(const std::vector<BlobTask>& tasks, const ReadShape& shape) {
  std::vector<ReadGroup> groups;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const auto& loc = tasks[i].loc;
    if (!groups.empty()) {
      const auto& first = tasks[groups.back().first].loc;
      const auto& prev = tasks[i - 1].loc;
      uint64_t prev_end = uint64_t{prev.offset} + prev.stored_len;
      if (loc.pack == first.pack && loc.offset >= prev_end && loc.offset - prev_end <= shape.max_gap &&
          uint64_t{loc.offset} + loc.stored_len - first.offset <= shape.max_read) {
        groups.back().last = i + 1;
        continue;
      }
    }
    groups.push_back(ReadGroup{i, i + 1});
  }
  return groups;
}

// Maps a file's blob sequence onto file offsets, following extents for sparse files.
std::vector<std::vector<Piece>> place_blobs(const Node& n, const std::vector<uint32_t>& sizes) {
  std::vector<std::vector<Piece>> out(sizes.size());
  std::vector<repo::Extent> extents = n.extents ? *n.extents : std::vector<repo::Extent>{{0, n.size}};
  size_t ext = 0;
  uint64_t in_ext = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    uint32_t done = 0;
    while (done < sizes[i]) {
      while (ext < extents.size() && in_ext >= extents[ext].length) { ++ext; in_ext = 0; }
      if (ext >= extents.size()) {  // more data than extents: append after the last one
        uint64_t end = extents.empty() ? 0 : extents.back().offset + extents.back().length;
        extents.push_back({end, UINT64_MAX / 2});
        continue;
      }
      uint64_t room = extents[ext].length - in_ext;
      uint32_t len = static_cast<uint32_t>(std::min<uint64_t>(room, sizes[i] - done));
      out[i].push_back(Piece{done, len, extents[ext].offset + in_ext});
      done += len;
      in_ext += len;
    }
  }
  return out;
}

// Opens (a file of one blob: creates) the file a blob goes to; large files with
// O_DIRECT where the file system allows it (else through the page cache).
int open_for_blob(const FileJob& job) {
  const int direct = job.direct ? O_DIRECT : 0;
  // Sized once written (see the writer loop): one system call fewer per file.
  if (job.node->content.size() == 1) return create_file(job.path, 0, direct);
  int fd = open_or_without(job.path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | direct, direct);
  if (fd < 0) throw io_error("opening " + job.path, errno);
  return fd;
}

// Writes one blob's pieces into its file. The thread writing a file's last blob
// finishes it — exact size, metadata through the descriptor — since every other
// blob's writes completed before the count went down. Returns true for the last
// blob; `problem` names metadata that could not be applied.
bool write_blob(FileJob& job, const BlobTask& t, ByteView data, std::string& problem) {
  const posix::UniqueFd file(open_for_blob(job));
  for (const auto& pc : t.pieces) {
    ByteView piece = data.subspan(pc.blob_offset, pc.length);
    const int err = job.direct ? job.direct->write(file.get(), piece, pc.file_offset)
                               : posix::pwrite_all(file.get(), piece, pc.file_offset);
    if (err != 0) throw io_error("writing " + job.path, err);
  }
  if (--job.blobs_left != 0) return false;
  if (job.direct) {
    if (int err = job.direct->finish(file.get()); err != 0) throw io_error("writing " + job.path, err);
  } else if (job.node->content.size() == 1 && data.size() != job.node->size) {
    // A single-blob file is created empty.
    if (int err = posix::ftruncate_fd(file.get(), job.node->size); err != 0) throw io_error("sizing " + job.path, err);
  }
  if (!job.failed) {
    problem = apply_file_metadata(file.get(), *job.node);
    job.metadata_done = true;
  }
  return true;
}

}  // namespace

void write_file_content(repo::Repository& repo, const Node& node, int fd) {
  std::vector<uint32_t> sizes;
  for (const auto& id : node.content) {
    auto loc = repo.index().find(id);
    if (!loc)
      throw Error(ExitCode::integrity, "data blob " + to_hex(id) + " is not in the index");
    sizes.push_back(loc->raw_len);
  }
  auto placement = place_blobs(node, sizes);
  // Stream in order, filling holes with zeros (stdout cannot seek).
  uint64_t pos = 0;
  Bytes zeros(65536, 0);
  auto put = [&](ByteView bytes) {
    if (int err = posix::write_all(fd, bytes); err != 0) throw io_error("writing output", err);
    pos += bytes.size();
  };
  auto pad_to = [&](uint64_t target) {
    while (pos < target) put(ByteView(zeros.data(), static_cast<size_t>(std::min<uint64_t>(zeros.size(), target - pos))));
  };
  for (size_t i = 0; i < node.content.size(); ++i) {
    Bytes data = repo.load_blob(node.content[i], repo::BlobType::data);
    for (const auto& pc : placement[i]) {
      pad_to(pc.file_offset);
      put(ByteView(data.data() + pc.blob_offset, pc.length));
    }
  }
  pad_to(node.size);
}

namespace {

using Entries = std::vector<std::pair<std::string, Node>>;

// Which snapshot paths a restore selects: 0 no, 1 only as an ancestor of an
// included path, 2 yes.
int selection(const std::vector<std::string>& includes, const std::string& path) {
  if (includes.empty()) return 2;
  int best = 0;
  for (const auto& inc : includes) {
    if (inc == "/" || path == inc || path.compare(0, inc.size() + 1, inc + "/") == 0) return 2;
    if (inc.compare(0, path.size() + 1, path + "/") == 0) best = 1;
  }
  return best;
}

// True when `dir` exists and holds at least one entry: only then can a restore
// meet something in its way, and only then are paths inspected before writing.
bool has_entries(const std::string& dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  return !ec && it != std::filesystem::directory_iterator();
}

// One restore, step by step: collect the snapshot's entries, create directories and
// plan files (make_room applies the replace rule per path), create special files,
// plan blob reads in pack order, fetch and write in parallel, finish (links,
// metadata). Each step leaves what the next needs in the members.
class RestoreRun {
 public:
  RestoreRun(repo::Repository& repo, const repo::Snapshot& snap, const RestoreOptions& options,
             ProgressCounters& progress)
      : repo_(repo), snap_(snap), options_(options), progress_(progress),
        pool_(options.threads ? options.threads : std::max(4u, 2 * ThreadPool::default_threads())) {}

  RestoreResult run() {
    const CancelToken& cancel = options_.cancel;
    open_target();
    Entries entries = collect_entries();
    cancel.throw_if_cancelled();
    plan_entries(entries);
    zero_and_match_files();
    cancel.throw_if_cancelled();
    create_files_and_specials();
    std::vector<BlobTask> tasks = plan_blob_tasks();
    fetch_and_write(tasks);
    link_and_apply_metadata();
    count_restored_files();
    return std::move(result_);
  }

 private:
  void open_target();
  Entries collect_entries();
  void plan_entries(const Entries& entries);
  void plan_file(const std::string& path, const Node& n);
  bool make_room(const std::string& path, NodeType type);
  void zero_and_match_files();
  void create_files_and_specials();
  void create_special(size_t i, std::vector<char>& ok);
  std::vector<BlobTask> plan_blob_tasks();
  void fetch_and_write(const std::vector<BlobTask>& tasks);
  void write_group(const std::vector<BlobTask>& tasks, const ReadGroup& group);
  void record(const Error& e, FileJob* job);
  void link_and_apply_metadata();
  void count_restored_files();
  void warn(const std::string& line) {
    std::lock_guard<std::mutex> lock(warn_mu_);
    result_.warnings.push_back(line);
  }

  repo::Repository& repo_;
  const repo::Snapshot& snap_;
  const RestoreOptions& options_;
  ProgressCounters& progress_;
  ThreadPool pool_;
  RestoreResult result_;
  std::string target_;
  bool target_had_entries_ = false;  // paths may be in the way: inspect before writing
  std::vector<std::string> blocked_dirs_;  // directories not restored: their content is skipped
  std::vector<std::unique_ptr<FileJob>> files_;
  std::map<std::pair<uint64_t, uint64_t>, size_t> hardlinks_;  // (dev, inode) -> files_ index
  std::vector<std::pair<std::string, const Node*>> metadata_order_, specials_;
  std::mutex warn_mu_, errors_mu_;
  std::exception_ptr fatal_;
  std::atomic<bool> stop_{false};
};

void RestoreRun::open_target() {
  target_had_entries_ = has_entries(options_.target);
  std::error_code ec;
  std::filesystem::create_directories(options_.target, ec);
  target_ = std::filesystem::absolute(options_.target).lexically_normal().string();
  if (target_.size() > 1 && target_.back() == '/') target_.pop_back();
}

Entries RestoreRun::collect_entries() {
  std::vector<std::string> includes;
  for (const auto& inc : options_.includes) includes.push_back(repo::normalize_snapshot_path(inc));
  const std::string subtree = options_.subtree.empty() ? "" : repo::normalize_snapshot_path(options_.subtree);
  if (!subtree.empty() && includes.empty()) includes.push_back(subtree);
  Entries entries;
  bool any = false;
  repo::walk_tree(
      repo_, snap_.tree,
      [&](const std::string& path, const Node& n) {
        int sel = selection(includes, path);
        if (sel == 0) return false;
        if (sel == 2) any = true;
        if (sel == 1 && n.type != NodeType::dir) return false;
        entries.emplace_back(path, n);
        return true;
      },
      [&](const std::string& path, const Error& e) {
        // A damaged directory listing loses that directory only; the rest restores.
        result_.integrity_errors.push_back(target_ + (path.empty() ? "/" : path) +
                                           ": directory content not restored: " + e.what());
      });
  if (!includes.empty() && !any) {
    std::string list;
    for (const auto& inc : includes) list += (list.empty() ? "" : ", ") + inc;
    throw Error(ExitCode::not_found, "snapshot " + snap_.id.substr(0, 8) + " has no path " + list);
  }
  if (subtree.empty() || subtree == "/") return entries;
  // Only the subtree's own entries, renamed relative to it (the subtree's directory
  // itself is the target).
  Entries inside;
  for (auto& [path, n] : entries) {
    if (path == subtree) inside.emplace_back("", std::move(n));
    else if (path.compare(0, subtree.size() + 1, subtree + "/") == 0)
      inside.emplace_back(path.substr(subtree.size()), std::move(n));
  }
  return inside;
}

// The replace rule, applied to one path before anything is written there: a
// directory of the snapshot replaces a file, symlink or special file; a file or
// special file of the snapshot replaces another one (create_file, create_special)
// or an empty directory. A non-empty directory in the way of a file is never
// deleted: that path is reported as not restored and the restore goes on.
bool RestoreRun::make_room(const std::string& path, NodeType type) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    throw io_error("inspecting " + path, errno);
  }
  const bool is_dir = S_ISDIR(st.st_mode);
  if ((type == NodeType::dir) == is_dir) return true;
  if (!is_dir) {
    if (unlink(path.c_str()) != 0) throw io_error("replacing " + path, errno);
    return true;
  }
  if (rmdir(path.c_str()) == 0) return true;
  if (errno != ENOTEMPTY && errno != EEXIST) throw io_error("replacing directory " + path, errno);
  result_.not_restored.push_back(path + ": a non-empty directory is in the way of the snapshot's " +
                                 repo::node_type_name(type) + "; it was left as it is");
  return false;
}

// Directories are created here, in order (parents before children); files and
// special files are planned and created in parallel later, since creating an inode
// can take long on a journaling file system and concurrent creates overlap.
void RestoreRun::plan_entries(const Entries& entries) {
  for (const auto& [rel, n] : entries)
    if (n.type == NodeType::file) progress_.bytes_total += n.size;
  progress_.files_total = entries.size();
  progress_.totals_known = true;
  for (const auto& [rel, n] : entries) {
    const std::string path = target_ + rel;
    bool inside_blocked = false;
    for (const auto& b : blocked_dirs_) inside_blocked = inside_blocked || path.compare(0, b.size() + 1, b + "/") == 0;
    if (inside_blocked || n.type == NodeType::socket) continue;  // sockets are recreated by their servers
    if (target_had_entries_ && !make_room(path, n.type)) {
      if (n.type == NodeType::dir) blocked_dirs_.push_back(path);
      continue;
    }
    if (n.type == NodeType::dir) {
      if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) throw io_error("creating directory " + path, errno);
      result_.dirs++;
      metadata_order_.emplace_back(path, &n);
    } else if (n.type == NodeType::file) {
      plan_file(path, n);
    } else {
      specials_.emplace_back(path, &n);
    }
  }
}

void RestoreRun::plan_file(const std::string& path, const Node& n) {
  if (n.links > 1) {
    auto key = std::make_pair(n.device, n.inode);
    auto it = hardlinks_.find(key);
    if (it != hardlinks_.end()) {  // linked once the first name has its content
      files_[it->second]->link_paths.push_back(path);
      return;
    }
    hardlinks_[key] = files_.size();  // the job pushed below
  }
  auto job = std::make_unique<FileJob>();
  job->path = path;
  job->node = &n;
  if (n.size >= kDirectMinSize && !n.extents) job->direct = std::make_unique<DirectFileWriter>(n.size);
  files_.push_back(std::move(job));
  result_.bytes += n.size;
}

// zero_content_under: holes of the file's size; delta: files whose content is
// already right are left alone.
void RestoreRun::zero_and_match_files() {
  if (!options_.zero_content_under.empty()) {
    for (auto& job : files_) {
      const std::string rel = job->path.substr(target_.size());
      for (const auto& dir : options_.zero_content_under)
        if (rel.compare(0, dir.size() + 1, dir + "/") == 0 && job->link_paths.empty()) {
          close(create_file(job->path, job->node->size));
          job->unchanged = job->zeroed = true;
          result_.files_zeroed++;
          break;
        }
    }
  }
  if (!options_.delta) return;
  parallel_for(pool_, files_.size(), [&](size_t i) {
    FileJob& job = *files_[i];
    if (!job.zeroed) job.unchanged = job.link_paths.empty() && content_matches(repo_, job.path, *job.node);
  });
  for (const auto& job : files_)
    if (job->unchanged && !job->zeroed) {
      result_.files_unchanged++;
      result_.bytes_unchanged += job->node->size;
    }
}

// Files of one blob are created when their blob is written (one open instead of
// two); the others now, so that blobs can be written in pack order.
void RestoreRun::create_files_and_specials() {
  parallel_for(pool_, files_.size(), [&](size_t i) {
    const FileJob& job = *files_[i];
    if (!job.unchanged && job.node->content.size() != 1) close(create_file(job.path, job.node->size));
  });
  std::vector<char> ok(specials_.size(), 0);
  parallel_for(pool_, specials_.size(), [&](size_t i) { create_special(i, ok); });
  for (size_t i = 0; i < specials_.size(); ++i) {
    if (!ok[i]) continue;
    result_.others++;
    metadata_order_.push_back(specials_[i]);
  }
}

void RestoreRun::create_special(size_t i, std::vector<char>& ok) {
  const auto& [path, node] = specials_[i];
  const Node& n = *node;
  unlink(path.c_str());
  int rc;
  const char* what;
  if (n.type == NodeType::symlink) {
    rc = symlink(n.link_target.c_str(), path.c_str());
    what = "symlink";
  } else if (n.type == NodeType::fifo) {
    rc = mkfifo(path.c_str(), 0600);
    what = "mkfifo";
  } else {
    rc = mknod(path.c_str(), (n.type == NodeType::chardev ? S_IFCHR : S_IFBLK) | 0600, static_cast<dev_t>(n.rdev));
    what = "mknod";
  }
  if (rc != 0) return warn(path + ": " + what + ": " + errno_text(errno));
  ok[i] = 1;
}

// Blob writes sorted by pack and offset, for sequential reads.
std::vector<BlobTask> RestoreRun::plan_blob_tasks() {
  std::vector<BlobTask> tasks;
  for (size_t f = 0; f < files_.size(); ++f) {
    FileJob& job = *files_[f];
    const Node& n = *job.node;
    if (job.unchanged) {
      progress_.files_done++;
      progress_.bytes_done += n.size;
      continue;
    }
    std::vector<uint32_t> sizes;
    std::vector<std::optional<repo::BlobLocation>> locs;
    for (const auto& id : n.content) {
      locs.push_back(repo_.index().find(id));
      sizes.push_back(locs.back() ? locs.back()->raw_len : 0);
    }
    auto placement = place_blobs(n, sizes);
    for (size_t i = 0; i < n.content.size(); ++i) {
      if (!locs[i]) {
        job.failed = true;
        result_.integrity_errors.push_back(job.path + ": data blob " + repo::short_hex(n.content[i]) +
                                           " is missing from the index");
        continue;
      }
      tasks.push_back(BlobTask{f, n.content[i], *locs[i], placement[i]});
      job.blobs_left++;
    }
    if (n.content.empty()) progress_.files_done++;
  }
  std::sort(tasks.begin(), tasks.end(), [](const BlobTask& a, const BlobTask& b) {
    return a.loc.pack != b.loc.pack ? a.loc.pack < b.loc.pack : a.loc.offset < b.loc.offset;
  });
  return tasks;
}

void RestoreRun::record(const Error& e, FileJob* job) {
  std::lock_guard<std::mutex> lock(errors_mu_);
  if (job && (e.code() == ExitCode::integrity || e.code() == ExitCode::not_found)) {
    if (!job->failed.exchange(true)) result_.integrity_errors.push_back(job->path + ": " + e.what());
  } else if (!fatal_) {
    fatal_ = std::current_exception();
    stop_ = true;
  }
}

// Writing is CPU work (decrypting, decompressing, copying small files into the page
// cache) and concurrent writers of one file contend for its lock: one thread per
// core, more when reads wait on the network (read_shape).
void RestoreRun::fetch_and_write(const std::vector<BlobTask>& tasks) {
  const ReadShape shape = read_shape(repo_.backend().remote(), options_.threads);
  const std::vector<ReadGroup> groups = group_reads(tasks, shape);
  ThreadPool writers(shape.threads);
  parallel_for(writers, groups.size(), [&](size_t g) {
    if (!stop_) write_group(tasks, groups[g]);
  });
  if (!fatal_) return;
  // Never leave a file that looks restored but is partly zeros.
  for (const auto& job : files_)
    if (job->blobs_left > 0) unlink(job->path.c_str());
  std::rethrow_exception(fatal_);
}

// One read for the group; if it fails (missing or truncated pack), each blob is read
// on its own so that only the files it really affects are reported.
void RestoreRun::write_group(const std::vector<BlobTask>& tasks, const ReadGroup& group) {
  std::optional<Bytes> span;
  const uint64_t start = tasks[group.first].loc.offset;
  if (group.last - group.first > 1) {
    const auto& last = tasks[group.last - 1].loc;
    try {
      span = repo_.read_pack_range(last.pack, start, uint64_t{last.offset} + last.stored_len - start);
    } catch (const Error& e) {
      if (e.code() != ExitCode::integrity && e.code() != ExitCode::not_found) return record(e, nullptr);
    }
  }
  for (size_t i = group.first; i < group.last && !stop_; ++i) {
    const BlobTask& t = tasks[i];
    FileJob& job = *files_[t.file];
    if (job.failed) continue;
    try {
      options_.cancel.throw_if_cancelled();
      Bytes data = span ? repo_.open_blob(t.id, repo::BlobType::data, t.loc,
                                          ByteView(span->data() + (t.loc.offset - start), t.loc.stored_len))
                        : repo_.load_blob(t.id, repo::BlobType::data);
      std::string problem;
      bool last = write_blob(job, t, data, problem);
      if (!problem.empty()) warn(job.path + ": " + problem);
      progress_.bytes_done += data.size();
      if (last) progress_.files_done++;
    } catch (const Error& e) {
      record(e, &job);
    }
  }
}

// Files whose data could not be verified are removed; hard links are made for the
// others; metadata is applied (files in parallel, then directories deepest first so
// that setting a directory's mtime is the last change in it).
void RestoreRun::link_and_apply_metadata() {
  std::set<std::string> failed_paths;
  for (const auto& job : files_) {
    if (job->failed) {
      unlink(job->path.c_str());
      failed_paths.insert(job->path);
      for (const auto& l : job->link_paths)
        result_.integrity_errors.push_back(l + ": hard link to " + job->path + ", whose data is corrupt");
      continue;
    }
    for (const auto& l : job->link_paths) {
      unlink(l.c_str());
      if (link(job->path.c_str(), l.c_str()) != 0) warn(l + ": hard link to " + job->path + ": " + errno_text(errno));
      progress_.files_done++;
    }
  }
  std::vector<std::pair<std::string, const Node*>> leaves, dirs;
  for (const auto& item : metadata_order_) {
    if (failed_paths.count(item.first)) continue;
    (item.second->type == NodeType::dir ? dirs : leaves).push_back(item);
  }
  for (const auto& job : files_)  // files without content, or whose last write failed
    if (!job->failed && !job->metadata_done) leaves.emplace_back(job->path, job->node);
  parallel_for(pool_, leaves.size(), [&](size_t i) {
    std::string problem = apply_metadata(leaves[i].first, *leaves[i].second);
    if (!problem.empty()) warn(leaves[i].first + ": " + problem);
  });
  std::stable_sort(dirs.begin(), dirs.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [path, node] : dirs) {
    std::string problem = apply_metadata(path, *node);
    if (!problem.empty()) result_.warnings.push_back(path + ": " + problem);
  }
}

// The summary counts what is on disk now: every name of a file whose data was
// written and verified (a corrupt file and its hard links are not counted).
void RestoreRun::count_restored_files() {
  for (const auto& job : files_) {
    if (job->failed) {
      result_.bytes -= job->node->size;
      continue;
    }
    result_.files += 1 + job->link_paths.size();
  }
}

}  // namespace

TargetRisk assess_restore_target(const std::string& target, const repo::Snapshot& snap) {
  TargetRisk risk;
  std::error_code ec;
  std::string where = std::filesystem::weakly_canonical(std::filesystem::absolute(target), ec).string();
  if (ec) where = std::filesystem::absolute(target).lexically_normal().string();
  if (where.size() > 1 && where.back() == '/') where.pop_back();
  risk.is_root = where == "/";
  for (const auto& p : snap.paths) {
    if (risk.is_root || p.empty()) break;
    const std::string src = p.size() > 1 && p.back() == '/' ? p.substr(0, p.size() - 1) : p;
    if (where == src || src == "/" || where.compare(0, src.size() + 1, src + "/") == 0) {
      risk.inside_source = src;
      break;
    }
  }
  return risk;
}

RestoreResult restore_snapshot(repo::Repository& repo, const repo::Snapshot& snap, const RestoreOptions& options,
                               ProgressCounters& progress) {
  return RestoreRun(repo, snap, options, progress).run();
}

}  // namespace strata::source
