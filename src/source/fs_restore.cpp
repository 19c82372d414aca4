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

void write_all(int fd, const uint8_t* p, size_t n, uint64_t offset, const std::string& path);

// Writes one blob's pieces into its file. The thread writing a file's last blob
// finishes it — exact size, metadata through the descriptor — since every other
// blob's writes completed before the count went down. Returns true for the last
// blob; `problem` names metadata that could not be applied.
bool write_blob(FileJob& job, const BlobTask& t, ByteView data, std::string& problem) {
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } file{open_for_blob(job)};
  for (const auto& pc : t.pieces) {
    ByteView piece = data.subspan(pc.blob_offset, pc.length);
    if (!job.direct) {
      write_all(file.fd, piece.data(), piece.size(), pc.file_offset, job.path);
    } else if (int err = job.direct->write(file.fd, piece, pc.file_offset); err != 0) {
      throw io_error("writing " + job.path, err);
    }
  }
  if (--job.blobs_left != 0) return false;
  if (job.direct) {
    if (int err = job.direct->finish(file.fd); err != 0) throw io_error("writing " + job.path, err);
  } else if (job.node->content.size() == 1 && data.size() != job.node->size &&
             ftruncate(file.fd, static_cast<off_t>(job.node->size)) != 0) {
    throw io_error("sizing " + job.path, errno);  // a single-blob file is created empty
  }
  if (!job.failed) {
    problem = apply_file_metadata(file.fd, *job.node);
    job.metadata_done = true;
  }
  return true;
}

void write_all(int fd, const uint8_t* p, size_t n, uint64_t offset, const std::string& path) {
  while (n > 0) {
    ssize_t w = pwrite(fd, p, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      throw io_error("writing " + path, errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
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
  auto pad_to = [&](uint64_t target) {
    while (pos < target) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), target - pos));
      ssize_t w = write(fd, zeros.data(), n);
      if (w < 0) {
        if (errno == EINTR) continue;
        throw io_error("writing output", errno);
      }
      pos += static_cast<uint64_t>(w);
    }
  };
  for (size_t i = 0; i < node.content.size(); ++i) {
    Bytes data = repo.load_blob(node.content[i], repo::BlobType::data);
    for (const auto& pc : placement[i]) {
      pad_to(pc.file_offset);
      const uint8_t* p = data.data() + pc.blob_offset;
      size_t n = pc.length;
      while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
          if (errno == EINTR) continue;
          throw io_error("writing output", errno);
        }
        p += w;
        n -= static_cast<size_t>(w);
        pos += static_cast<uint64_t>(w);
      }
    }
  }
  pad_to(node.size);
}

RestoreResult restore_snapshot(repo::Repository& repo, const repo::Snapshot& snap,
                               const RestoreOptions& options, ProgressCounters& progress) {
  RestoreResult result;
  std::vector<std::string> includes;
  for (const auto& inc : options.includes) includes.push_back(repo::normalize_snapshot_path(inc));
  const std::string subtree = options.subtree.empty() ? "" : repo::normalize_snapshot_path(options.subtree);
  if (!subtree.empty() && includes.empty()) includes.push_back(subtree);
  auto selected = [&](const std::string& path) -> int {  // 0 no, 1 ancestor only, 2 yes
    if (includes.empty()) return 2;
    int best = 0;
    for (const auto& inc : includes) {
      if (inc == "/" || path == inc || path.compare(0, inc.size() + 1, inc + "/") == 0) return 2;
      if (inc.compare(0, path.size() + 1, path + "/") == 0) best = 1;
    }
    return best;
  };

  std::error_code ec;
  std::filesystem::create_directories(options.target, ec);
  std::string target = std::filesystem::absolute(options.target).lexically_normal().string();
  if (target.size() > 1 && target.back() == '/') target.pop_back();

  // 1. Collect the entries to restore.
  std::vector<std::pair<std::string, Node>> entries;
  bool any = false;
  repo::walk_tree(
      repo, snap.tree,
      [&](const std::string& path, const Node& n) {
        int sel = selected(path);
        if (sel == 0) return false;
        if (sel == 2) any = true;
        if (sel == 1 && n.type != NodeType::dir) return false;
        entries.emplace_back(path, n);
        return true;
      },
      [&](const std::string& path, const Error& e) {
        // A damaged directory listing loses that directory only; the rest restores.
        result.integrity_errors.push_back(target + (path.empty() ? "/" : path) +
                                          ": directory content not restored: " + e.what());
      });
  if (!includes.empty() && !any) {
    std::string list;
    for (const auto& inc : includes) list += (list.empty() ? "" : ", ") + inc;
    throw Error(ExitCode::not_found, "snapshot " + snap.id.substr(0, 8) + " has no path " + list);
  }
  if (!subtree.empty() && subtree != "/") {
    // Only the subtree's own entries, renamed relative to it (the subtree's
    // directory itself is the target).
    std::vector<std::pair<std::string, Node>> inside;
    for (auto& [path, n] : entries) {
      if (path == subtree) inside.emplace_back("", std::move(n));
      else if (path.compare(0, subtree.size() + 1, subtree + "/") == 0)
        inside.emplace_back(path.substr(subtree.size()), std::move(n));
    }
    entries = std::move(inside);
  }
  for (const auto& [path, n] : entries)
    if (n.type == NodeType::file) progress.bytes_total += n.size;
  progress.files_total = entries.size();
  progress.totals_known = true;

  // 2. Directories first (in order, parents before children); everything else is
  //    created in parallel below, since creating an inode can take a long time
  //    on a journaling filesystem and concurrent creates overlap.
  std::vector<std::unique_ptr<FileJob>> files;
  std::map<std::pair<uint64_t, uint64_t>, size_t> hardlinks;  // (dev, inode) -> files index
  std::vector<std::pair<std::string, const Node*>> metadata_order, specials;
  for (const auto& [rel, n] : entries) {
    std::string path = target + rel;
    switch (n.type) {
      case NodeType::dir:
        if (mkdir(path.c_str(), 0700) != 0) {
          if (errno != EEXIST) throw io_error("creating directory " + path, errno);
          // Something is already there: only a real directory may stay, never a
          // symlink (restore would write through it, outside the target).
          struct stat st;
          if (lstat(path.c_str(), &st) != 0) throw io_error("inspecting " + path, errno);
          if (!S_ISDIR(st.st_mode)) {
            if (unlink(path.c_str()) != 0) throw io_error("replacing " + path, errno);
            if (mkdir(path.c_str(), 0700) != 0) throw io_error("creating directory " + path, errno);
          }
        }
        result.dirs++;
        metadata_order.emplace_back(path, &n);
        break;
      case NodeType::file: {
        if (n.links > 1) {
          auto key = std::make_pair(n.device, n.inode);
          auto it = hardlinks.find(key);
          if (it != hardlinks.end()) {  // linked once the first name has its content
            files[it->second]->link_paths.push_back(path);
            result.files++;
            continue;
          }
          hardlinks[key] = files.size();  // the job pushed below
        }
        auto job = std::make_unique<FileJob>();
        job->path = path;
        job->node = &n;
        if (n.size >= kDirectMinSize && !n.extents) job->direct = std::make_unique<DirectFileWriter>(n.size);
        files.push_back(std::move(job));
        result.files++;
        result.bytes += n.size;
        break;
      }
      case NodeType::socket:
        continue;  // sockets are recreated by their servers
      default:
        specials.emplace_back(path, &n);
    }
  }
  ThreadPool pool(options.threads ? options.threads : std::max(4u, 2 * ThreadPool::default_threads()));
  if (!options.zero_content_under.empty()) {
    for (auto& job : files) {
      const std::string rel = job->path.substr(target.size());
      for (const auto& dir : options.zero_content_under)
        if (rel.compare(0, dir.size() + 1, dir + "/") == 0 && job->link_paths.empty()) {
          close(create_file(job->path, job->node->size));  // a hole of the file's size
          job->unchanged = job->zeroed = true;
          result.files_zeroed++;
          break;
        }
    }
  }
  if (options.delta) {
    parallel_for(pool, files.size(), [&](size_t i) {
      FileJob& job = *files[i];
      if (!job.zeroed) job.unchanged = job.link_paths.empty() && content_matches(repo, job.path, *job.node);
    });
    for (const auto& job : files)
      if (job->unchanged && !job->zeroed) {
        result.files_unchanged++;
        result.bytes_unchanged += job->node->size;
      }
  }
  // Files of one blob are created when their blob is written (one open instead of
  // two); the others now, so that blobs can be written in pack order.
  parallel_for(pool, files.size(), [&](size_t i) {
    const FileJob& job = *files[i];
    if (!job.unchanged && job.node->content.size() != 1) close(create_file(job.path, job.node->size));
  });
  std::mutex warn_mu;
  std::vector<char> special_ok(specials.size(), 0);
  parallel_for(pool, specials.size(), [&](size_t i) {
    const auto& [path, node] = specials[i];
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
      rc = mknod(path.c_str(), (n.type == NodeType::chardev ? S_IFCHR : S_IFBLK) | 0600,
                 static_cast<dev_t>(n.rdev));
      what = "mknod";
    }
    if (rc != 0) {
      std::lock_guard<std::mutex> lock(warn_mu);
      result.warnings.push_back(path + ": " + what + ": " + errno_text(errno));
      return;
    }
    special_ok[i] = 1;
  });
  for (size_t i = 0; i < specials.size(); ++i) {
    if (!special_ok[i]) continue;
    result.others++;
    metadata_order.push_back(specials[i]);
  }

  // 3. Plan blob writes, sorted by pack and offset for sequential reads.
  std::vector<BlobTask> tasks;
  for (size_t f = 0; f < files.size(); ++f) {
    const Node& n = *files[f]->node;
    if (files[f]->unchanged) {
      progress.files_done++;
      progress.bytes_done += n.size;
      continue;
    }
    std::vector<uint32_t> sizes;
    std::vector<std::optional<repo::BlobLocation>> locs;
    for (const auto& id : n.content) {
      auto loc = repo.index().find(id);
      locs.push_back(loc);
      sizes.push_back(loc ? loc->raw_len : 0);
    }
    auto placement = place_blobs(n, sizes);
    for (size_t i = 0; i < n.content.size(); ++i) {
      if (!locs[i]) {
        files[f]->failed = true;
        result.integrity_errors.push_back(files[f]->path + ": data blob " +
                                          repo::short_hex(n.content[i]) + " is missing from the index");
        continue;
      }
      tasks.push_back(BlobTask{f, n.content[i], *locs[i], placement[i]});
      files[f]->blobs_left++;
    }
    if (n.content.empty()) progress.files_done++;
  }
  std::sort(tasks.begin(), tasks.end(), [](const BlobTask& a, const BlobTask& b) {
    return a.loc.pack != b.loc.pack ? a.loc.pack < b.loc.pack : a.loc.offset < b.loc.offset;
  });
  const ReadShape shape = read_shape(repo.backend().remote(), options.threads);
  const std::vector<ReadGroup> groups = group_reads(tasks, shape);

  // 4. Fetch, verify and write in parallel.
  std::mutex errors_mu;
  std::exception_ptr fatal;
  std::atomic<bool> stop{false};
  auto record = [&](const Error& e, FileJob* job) {
    std::lock_guard<std::mutex> lock(errors_mu);
    if (job && (e.code() == ExitCode::integrity || e.code() == ExitCode::not_found)) {
      if (!job->failed.exchange(true)) result.integrity_errors.push_back(job->path + ": " + e.what());
    } else if (!fatal) {
      fatal = std::current_exception();
      stop = true;
    }
  };
  // Writing is CPU work (decrypting, decompressing, copying small files into the
  // page cache) and concurrent writers of one file contend for its lock: one
  // thread per core, more when reads wait on the network (read_shape).
  ThreadPool writers(shape.threads);
  parallel_for(writers, groups.size(), [&](size_t g) {
    if (stop) return;
    const ReadGroup& group = groups[g];
    // One read for the group; if it fails (missing or truncated pack), each blob is
    // read on its own so that only the files it really affects are reported.
    std::optional<Bytes> span;
    const uint64_t start = tasks[group.first].loc.offset;
    if (group.last - group.first > 1) {
      const auto& last = tasks[group.last - 1].loc;
      try {
        span = repo.read_pack_range(last.pack, start, uint64_t{last.offset} + last.stored_len - start);
      } catch (const Error& e) {
        if (e.code() != ExitCode::integrity && e.code() != ExitCode::not_found) {
          record(e, nullptr);
          return;
        }
      }
    }
    for (size_t i = group.first; i < group.last && !stop; ++i) {
      const BlobTask& t = tasks[i];
      FileJob& job = *files[t.file];
      if (job.failed) continue;
      try {
        Bytes data = span ? repo.open_blob(t.id, repo::BlobType::data, t.loc,
                                           ByteView(span->data() + (t.loc.offset - start), t.loc.stored_len))
                          : repo.load_blob(t.id, repo::BlobType::data);
        std::string problem;
        bool last = write_blob(job, t, data, problem);
        if (!problem.empty()) {
          std::lock_guard<std::mutex> lock(warn_mu);
          result.warnings.push_back(job.path + ": " + problem);
        }
        progress.bytes_done += data.size();
        if (last) progress.files_done++;
      } catch (const Error& e) {
        record(e, &job);
      }
    }
  });
  if (fatal) {
    // Never leave a file that looks restored but is partly zeros.
    for (const auto& job : files)
      if (job->blobs_left > 0) unlink(job->path.c_str());
    std::rethrow_exception(fatal);
  }

  // 5. Files whose data could not be verified are removed; hard links are made for
  //    the others; metadata is applied (files in parallel, then directories
  //    deepest first so that setting a directory's mtime is the last change in it).
  std::set<std::string> failed_paths;
  for (const auto& job : files) {
    if (job->failed) {
      unlink(job->path.c_str());
      failed_paths.insert(job->path);
      for (const auto& l : job->link_paths)
        result.integrity_errors.push_back(l + ": hard link to " + job->path + ", whose data is corrupt");
      continue;
    }
    for (const auto& l : job->link_paths) {
      unlink(l.c_str());
      if (link(job->path.c_str(), l.c_str()) != 0)
        result.warnings.push_back(l + ": hard link to " + job->path + ": " + errno_text(errno));
      progress.files_done++;
    }
  }
  std::vector<std::pair<std::string, const Node*>> leaves, dirs;
  for (const auto& item : metadata_order) {
    if (failed_paths.count(item.first)) continue;
    (item.second->type == NodeType::dir ? dirs : leaves).push_back(item);
  }
  for (const auto& job : files)  // files without content, or whose last write failed
    if (!job->failed && !job->metadata_done) leaves.emplace_back(job->path, job->node);
  parallel_for(pool, leaves.size(), [&](size_t i) {
    std::string problem = apply_metadata(leaves[i].first, *leaves[i].second);
    if (!problem.empty()) {
      std::lock_guard<std::mutex> lock(warn_mu);
      result.warnings.push_back(leaves[i].first + ": " + problem);
    }
  });
  std::stable_sort(dirs.begin(), dirs.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [path, node] : dirs) {
    std::string problem = apply_metadata(path, *node);
    if (!problem.empty()) result.warnings.push_back(path + ": " + problem);
  }
  return result;
}

}  // namespace strata::source
