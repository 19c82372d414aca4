// The backup pipeline for filesystem trees (see fs_backup.h).
#include "source/fs_backup.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>

#include "common/error.h"
#include "common/host_identity.h"
#include "common/posix_io.h"
#include "common/idle_helper.h"
#include "common/thread_pool.h"
#include "common/time_util.h"
#include "source/backup_walker_internal.h"
#include "source/fs_metadata.h"

namespace strata::source {

using repo::BlobId;
using repo::Node;
using repo::NodeType;

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

using internal::PendingDir;
using internal::PendingEntry;
using internal::ParentDir;
using internal::SubtreeTask;
using internal::Walker;

constexpr uint64_t kDefaultInFlight = 16ull * 1024 * 1024;

// Returns once `fd` has input (or end of file, or an error for read(2) to report);
// Error(interrupted) when `cancel` fires first.
void wait_readable(int fd, const CancelToken& cancel) {
  constexpr int kSliceMs = 200;
  for (;;) {
    cancel.throw_if_cancelled();
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, kSliceMs);
    if (ready > 0 || (ready < 0 && errno != EINTR)) return;  // os-seam: poll in slices for the token
  }
}

// One backup: the walk on the calling thread, a second walker on a helper thread
// that takes whole subtrees while it is free (so that a phase of small files,
// bound by system calls on one core, overlaps with a phase of large files, bound
// by compression on the workers), and the worker pool both feed.
class Archiver {
 public:
  Archiver(repo::Repository& repo, const BackupOptions& opts, ProgressCounters& progress)
      : ctx_{repo, opts, progress, {}, {}},
        budget_(opts.max_in_flight ? opts.max_in_flight : kDefaultInFlight),
        main_(ctx_, pool_, budget_, spare_limit(opts), true, 0),
        helper_walker_(ctx_, pool_, budget_, spare_limit(opts), false, 1),
        pool_(opts.threads ? opts.threads : ThreadPool::default_threads()) {
    ctx_.offer = [this](SubtreeTask&& task) { return offer(std::move(task)); };
  }
  // A failed backup stops the helper walker before anything it uses goes away.
  ~Archiver() { ctx_.aborting = true; }

  BackupResult run_paths();
  BackupResult run_stream(int fd, const std::string& name);

 private:
  static uint64_t spare_limit(const BackupOptions& opts) {
    return (opts.max_in_flight ? opts.max_in_flight : kDefaultInFlight) / 4;  // per walker
  }
  // Gives the subtree to the helper walker if it is free (see WalkContext::offer).
  std::shared_ptr<PendingDir> offer(SubtreeTask&& task);
  BackupResult finish(const BlobId& root, std::vector<std::string> paths, int64_t start);

  internal::WalkContext ctx_;
  Budget budget_;          // bytes in flight, shared by both walkers
  Walker main_;            // the calling thread's
  Walker helper_walker_;   // used only by helper_'s thread while it runs a subtree
  ThreadPool pool_;        // destroyed before the walkers whose batchers its jobs use
  IdleHelper helper_;      // last: joined first, while everything it uses exists
};

std::shared_ptr<PendingDir> Archiver::offer(SubtreeTask&& task) {
  if (!helper_.idle()) return nullptr;  // only this thread starts tasks: stays idle
  auto placeholder = std::make_shared<PendingDir>();
  auto done = std::make_shared<std::promise<void>>();
  placeholder->remote = done->get_future().share();
  helper_.run([this, placeholder, done, task = std::move(task)]() mutable {
    try {
      std::unique_ptr<ParentDir> sub = internal::load_parent(ctx_.repo, task.parent_tree);
      std::shared_ptr<PendingDir> dir = helper_walker_.walk_dir(std::move(task), sub.get());
      helper_walker_.drain(true);  // its queue holds this subtree only
      placeholder->id = *dir->id;
      done->set_value();
    } catch (...) {
      ctx_.aborting = true;
      done->set_exception(std::current_exception());
    }
  });
  return placeholder;
}

BackupResult Archiver::finish(const BlobId& root, std::vector<std::string> paths, int64_t start) {
  // Chunks of files dropped after a read error are still in the pipeline: wait for
  // all of them, and never commit if any store failed. The helper walker is idle
  // by now: every subtree it took was waited for when its parent was finalized.
  Walker* walkers[] = {&main_, &helper_walker_};
  for (Walker* w : walkers) w->batcher().flush();
  pool_.wait_idle();
  repo::SnapshotSummary summary;
  std::vector<std::string> errors;
  for (Walker* w : walkers) {
    w->batcher().rethrow_failure();
    internal::add_walk_counters(summary, w->summary());
    errors.insert(errors.end(), w->errors().begin(), w->errors().end());
  }
  const BackupOptions& opts = ctx_.opts;
  repo::Repository& repository = ctx_.repo;
  if (opts.unreadable_is_fatal && !errors.empty())
    throw Error(ExitCode::io, "cannot read " + errors.front() +
                                  (errors.size() > 1 ? " (and " + std::to_string(errors.size() - 1) + " more)" : "") +
                                  "; no snapshot was made");
  repo::Snapshot snap;
  snap.time_ns = start;
  snap.host = opts.host.empty() ? local_hostname() : opts.host;
  snap.username = local_username();
  snap.uid = getuid();
  snap.gid = getgid();
  snap.paths = std::move(paths);
  snap.tags = opts.tags;
  snap.dataset = opts.dataset;
  snap.parent = opts.parent ? opts.parent->id : "";
  snap.tree = root;
  snap.program = std::string("strata ") + STRATA_VERSION;
  opts.cancel.throw_if_cancelled();
  if (opts.before_commit) opts.before_commit(snap);
  repository.flush();
  auto& ws = repository.write_stats();
  summary.bytes_added = ws.raw_bytes_added;
  summary.bytes_stored = ws.stored_bytes_added;
  summary.blobs_added = ws.blobs_added;
  summary.duration_seconds = static_cast<double>(opts.clock->now_ns() - start) / 1e9;
  snap.summary = summary;
  repo::save_snapshot(repository, snap);
  return BackupResult{std::move(snap), std::move(errors)};
}

// The snapshot's root tree mirrors absolute paths: /srv/a and /srv/b become
// root -> "srv" -> {"a", "b"}. Intermediate directories carry their real metadata.
struct PathTrie {
  std::map<std::string, PathTrie> children;
  bool selected = false;  // this path itself is backed up (with everything below)
};

BackupResult Archiver::run_paths() {
  const BackupOptions& opts = ctx_.opts;
  int64_t start = opts.clock->now_ns();
  PathTrie root;
  std::vector<std::string> abs_paths;
  for (const auto& p : opts.paths) {
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
      opts.parent ? internal::load_parent(ctx_.repo, opts.parent->tree) : nullptr;

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
            main_.add_entry(*dir, AT_FDCWD, child_path, name, parent, st.st_dev, 0);
            continue;
          }
          struct stat st;
          if (lstat(child_path.c_str(), &st) != 0) {
            main_.record_error(child_path + ": " + errno_text(errno));
            continue;
          }
          PendingEntry e;
          e.node.name = name;
          node_from_stat(child_path, st, e.node);
          const Node* old = parent ? parent->find(name, e.node.type) : nullptr;
          std::unique_ptr<ParentDir> sub =
              old ? internal::load_parent(ctx_.repo, old->subtree) : nullptr;
          e.child = build(child, child_path, sub.get());
          dir->entries.push_back(std::move(e));
        }
        main_.queue_finalize(dir);
        return dir;
      };
  std::shared_ptr<PendingDir> top;
  if (root.selected) {  // "/" itself: the whole filesystem tree is the snapshot's root
    struct stat st;
    lstat("/", &st);
    SubtreeTask task;
    task.path = "/";
    task.fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOATIME);
    if (task.fd < 0 && errno == EPERM) task.fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    task.open_errno = task.fd < 0 ? errno : 0;
    task.depth = 1;  // "/" is the selected path: its entries may be handed over
    task.root_dev = st.st_dev;
    top = main_.walk_dir(std::move(task), parent_root.get());
  } else {
    top = build(root, "/", parent_root.get());
  }
  main_.drain(true);
  return finish(*top->id, abs_paths, start);
}

BackupResult Archiver::run_stream(int fd, const std::string& name) {
  int64_t start = ctx_.opts.clock->now_ns();
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    throw Error(ExitCode::usage, "--stdin-name must be a plain file name");
  PendingEntry entry;
  entry.node.name = name;
  entry.node.type = NodeType::file;
  entry.node.mode = 0600;
  entry.node.uid = getuid();
  entry.node.gid = getgid();
  entry.node.mtime_ns = entry.node.ctime_ns = entry.node.atime_ns = start;
  entry.node.size = main_.chunk_input(entry, [&](uint8_t* dst, size_t room) -> size_t {
    // A pipe whose writer stalls must not keep a cancelled job waiting: wait
    // for input in short slices and look at the token in between.
    wait_readable(fd, ctx_.opts.cancel);
    ssize_t n = posix::read_some(fd, dst, room);
    if (n < 0) throw io_error("reading standard input", errno);
    return static_cast<size_t>(n);
  });
  main_.summary().files_new = 1;
  main_.summary().bytes_total = entry.node.size;
  ctx_.progress.files_done++;
  auto dir = std::make_shared<PendingDir>();
  dir->entries.push_back(std::move(entry));
  BlobId root = main_.finalize(*dir);
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
