// The per-thread part of a file-tree backup: walking directories, reading and
// chunking files, and storing each directory's tree once everything in it is
// stored. Internal to source/: fs_backup.cpp runs one Walker on the calling thread
// and a second one, on a helper thread, for whole subtrees it hands over while
// that walker is free (both feed the same worker pool within one byte budget).
#pragma once
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "common/thread_pool.h"
#include "repo/repository.h"
#include "repo/snapshot.h"
#include "repo/tree.h"
#include "source/chunk_batcher.h"
#include "source/fs_backup.h"

namespace strata::source::internal {

// A source file that could not be read: reported, the backup goes on without it.
struct ReadFailure {
  std::string message;
};

struct PendingDir;

// A tree entry whose content may still be in the pipeline.
struct PendingEntry {
  repo::Node node;
  std::optional<repo::BlobId> old_subtree;  // dirs: the parent snapshot's tree, if any
  std::optional<std::vector<repo::BlobId>> old_content;  // files read again despite a parent node
  std::vector<ChunkRef> chunks;
  std::shared_ptr<PendingDir> child;
};

struct PendingDir {
  std::vector<PendingEntry> entries;
  std::optional<repo::BlobId> id;  // set once finalized
  // Valid when another walker walks this subtree: ready once that walker has
  // stored its tree (`id` is set before), or holding that walker's error.
  std::shared_future<void> remote;

  bool finished() const {
    if (remote.valid()) return remote.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    return id.has_value();
  }
  bool ready() const {
    for (const auto& e : entries) {
      if (e.child && !e.child->finished()) return false;
      for (const auto& c : e.chunks)
        if (!c.ready()) return false;
    }
    return true;
  }
};

// Parent snapshot's tree at one directory, looked up by name.
struct ParentDir {
  std::map<std::string, repo::Node> nodes;
  // The parent snapshot's node of this name (and type), if any.
  const repo::Node* find(const std::string& name) const {
    auto it = nodes.find(name);
    return it != nodes.end() ? &it->second : nullptr;
  }
  const repo::Node* find(const std::string& name, repo::NodeType type) const {
    const repo::Node* n = find(name);
    return n && n->type == type ? n : nullptr;
  }
};

// The parent snapshot's tree `tree_id` by name, or nullptr (none, or damaged: a
// damaged parent only costs re-reading).
std::unique_ptr<ParentDir> load_parent(repo::Repository& repo, const std::optional<repo::BlobId>& tree_id);

// A directory to walk: open as `fd` (owned by whoever walks it; -1 when opening it
// failed with `open_errno`, which is then reported), `depth` levels below the
// selected path, on the selected path's device `root_dev` (--one-file-system).
struct SubtreeTask {
  std::string path;
  int fd = -1;
  int open_errno = 0;
  int depth = 0;
  dev_t root_dev = 0;
  std::optional<repo::BlobId> parent_tree;  // the parent snapshot's tree of it
};

// What the walkers of one backup share. `offer` (may be empty) gives a subtree to
// another walker if one is free and returns its placeholder (a PendingDir with
// `remote` set), else returns nullptr and the caller walks the subtree itself.
struct WalkContext {
  repo::Repository& repo;
  const BackupOptions& opts;
  ProgressCounters& progress;
  std::atomic<bool> aborting{false};  // set when the backup fails: walkers stop
  std::function<std::shared_ptr<PendingDir>(SubtreeTask&&)> offer;
};

// Not thread-safe: one thread walks with a Walker at a time.
class Walker {
 public:
  // Subdirectories up to this many levels below a selected path may be handed
  // to another walker (deeper ones are too small to be worth a hand-over).
  static constexpr int kHandOffDepth = 3;

  // `pack_stream`: the repository pack stream this walker's blobs go to (each
  // walker its own, so that a subtree's blobs share packs).
  Walker(WalkContext& ctx, ThreadPool& pool, Budget& budget, uint64_t spare_limit,
         bool may_hand_off, int pack_stream);

  // Walks the directory of `task` (taking its descriptor) and returns its pending
  // tree; it is finalized in post-order by drain().
  std::shared_ptr<PendingDir> walk_dir(SubtreeTask&& task, const ParentDir* parent);
  // Adds the entry `name` of the directory open as `dirfd` (AT_FDCWD: reached by
  // its full `path` instead), `depth` levels below the selected path.
  void add_entry(PendingDir& dir, int dirfd, const std::string& path, const std::string& name,
                 const ParentDir* parent, dev_t root_dev, int depth);
  // Reads through `read_some` (returns bytes read, 0 at the end) and submits the
  // chunks of what it returns; returns the byte count.
  size_t chunk_input(PendingEntry& entry, const std::function<size_t(uint8_t*, size_t)>& read_some);
  void queue_finalize(const std::shared_ptr<PendingDir>& dir);
  // Finalizes queued directories in post-order as they become ready; with `all`,
  // waits for every one of them.
  void drain(bool all);
  // Stores the tree of `dir` (waiting for its content) and returns its id.
  repo::BlobId finalize(PendingDir& dir);
  void record_error(const std::string& msg);

  ChunkBatcher& batcher() { return batcher_; }
  repo::SnapshotSummary& summary() { return summary_; }
  std::vector<std::string>& errors() { return errors_; }

 private:
  void read_file(int fd, PendingEntry& entry, const std::string& path, bool sparse);
  bool excluded(const std::string& path, const std::string& name) const;

  WalkContext& ctx_;
  const bool may_hand_off_;
  RawBytes buffer_;  // read buffer, allocated on first use (only read where written)
  std::deque<std::shared_ptr<PendingDir>> finalize_queue_;
  repo::SnapshotSummary summary_;
  std::vector<std::string> errors_;
  ChunkBatcher batcher_;
};

// Adds the walk counters of `from` to `into`.
void add_walk_counters(repo::SnapshotSummary& into, const repo::SnapshotSummary& from);

}  // namespace strata::source::internal
