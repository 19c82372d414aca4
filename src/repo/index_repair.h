// `repair index`: rebuilds the index from the packs themselves, for a repository
// whose index files were lost or damaged (docs/repository-format.md §6: a pack's
// trailer and sealed header describe its blobs, so an index can be rebuilt from
// packs alone). Without it, a lost index file leaves packs that look like garbage
// to prune, and the only way out was a new repository.
//
// What it does, in this order (crash safe: an interrupted repair leaves a
// repository at least as good as before):
//   1. read every index file: sound ones are candidates to keep, unreadable ones
//      (integrity) are damaged;
//   2. read the header of every pack in data/ (the whole pack for pack version 1,
//      whose name covers every byte), check it against the pack's name and
//      authenticate it;
//   3. keep the index files whose every pack is present and, where readable,
//      listed with exactly the entries of its header; write new index files
//      (durably) for every pack no kept file lists;
//   4. only then remove the damaged and superseded index files.
// Packs are never written or removed. A pack that cannot be read or authenticated
// is reported by name and left alone; the entries an old index file lists for it
// are carried into the new index, so nothing that was readable before is lost.
// Entries for packs absent from data/ are dropped (reported): their blobs are gone,
// and a later backup of the same data can then store them again.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "common/progress.h"
#include "repo/index_format.h"
#include "repo/repository.h"

namespace strata::repo {

struct RepairIndexOptions {
  bool dry_run = false;  // read and decide only: nothing written or removed (shared lock)
  unsigned threads = 0;  // packs read at once (0: one per core)
  size_t max_blobs_per_file = size_t{1} << 20;  // entries per new index file (~48 MiB)
  CancelToken cancel;  // checked per pack read and before the first write
};

// A pack or index file that could not be used, and why.
struct RepairProblem {
  std::string name;  // "data/ab/ab12…" or "index/<id>"
  std::string reason;
};

struct RepairIndexReport {
  uint64_t packs_total = 0;      // pack objects in data/
  uint64_t packs_read = 0;       // headers read, authenticated and matching their name
  uint64_t blobs_indexed = 0;    // blob entries of the packs read
  uint64_t packs_reindexed = 0;  // packs listed by the new index files
  uint64_t index_files_kept = 0;
  uint64_t index_files_written = 0;  // (would be, on a dry run)
  std::vector<std::string> index_files_removed;  // "index/<id>" (would be, on a dry run)
  std::vector<RepairProblem> index_files_damaged;
  std::vector<RepairProblem> packs_unreadable;  // left alone, never deleted
  std::vector<std::string> packs_missing;       // named by an index file, absent from data/
  std::vector<std::string> unexpected_objects;  // in data/ but not named like a pack
  bool changed() const { return index_files_written > 0 || !index_files_removed.empty(); }
};

// Rebuilds the index as described above. Takes the repository lock itself:
// exclusive, or shared with dry_run; Error(lock_held) when another process holds
// a conflicting one. Throws Error(io) when an index file cannot be read for a
// reason other than damage, or when writing or removing fails (nothing has been
// removed then). The Repository's in-memory index is not updated: reopen it or
// call load_index().
RepairIndexReport repair_index(Repository& repo, const RepairIndexOptions& options,
                               ProgressCounters& progress);

// The blob entries of one pack, read from its own header: the pack is checked
// against its name (§6.1) and its header authenticated and parsed. `size` is the
// pack's size as listed. Never throws for a bad pack: ok = false with a reason
// (a read error of the backend is a reason too).
struct PackHeaderRead {
  bool ok = false;
  std::vector<PackEntry> entries;
  std::string reason;
};
PackHeaderRead read_pack_header(Repository& repo, const PackId& id, uint64_t size);

}  // namespace strata::repo
