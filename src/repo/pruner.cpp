// Garbage collection of unreferenced blobs and packs (see pruner.h).
#include "repo/pruner.h"

#include <map>
#include <set>
#include <unordered_set>

#include "common/error.h"
#include "repo/checker.h"
#include "repo/index_format.h"
#include "repo/snapshot.h"
#include "repo/tree_walk.h"

namespace strata::repo {

namespace {

// The way out when the index is damaged or incomplete: prune must not run, as packs
// that no index lists may hold blobs the snapshots need.
const char* kRepairIndexHint =
    "the index is damaged or incomplete: run 'strata repair index' to rebuild it from the packs, "
    "then 'strata check'";

Error refused(const std::string& what, const char* hint) {
  return Error(ExitCode::integrity, "prune refused: " + what + "; " + hint);
}

// Loads the whole index; a damaged index file refuses prune with the repair hint.
void load_whole_index(Repository& repo, Repository::PackListing& packs) {
  try {
    repo.load_index(nullptr, &packs);  // throws on an unreadable index: never prune with a partial view
  } catch (const Error& e) {
    if (e.code() != ExitCode::integrity) throw;
    throw refused(e.what(), kRepairIndexHint);
  }
}

// Every blob reachable from any snapshot. Any unreadable snapshot or tree aborts:
// deleting data while part of the graph is unknown could destroy a snapshot.
std::unordered_set<BlobId, BlobIdHash> used_blobs(Repository& repo, const CancelToken& cancel) {
  std::unordered_set<BlobId, BlobIdHash> used;
  for (const auto& s : load_snapshots(repo)) {
    const std::string snap = "snapshot " + s.id.substr(0, 8);
    std::vector<BlobId> stack{s.tree};
    while (!stack.empty()) {
      BlobId t = stack.back();
      stack.pop_back();
      if (!used.insert(t).second) continue;
      cancel.throw_if_cancelled();
      if (!repo.index().has(t))
        throw refused(snap + " needs tree blob " + short_hex(t) + ", which is not indexed", kRepairIndexHint);
      Tree tree;
      try {
        tree = load_tree(repo, t);
      } catch (const Error& e) {
        throw refused(snap + ": " + e.what(), "run 'strata check'");
      }
      for (const auto& n : tree.nodes) {
        if (n.subtree) stack.push_back(*n.subtree);
        for (const auto& c : n.content) {
          if (!repo.index().has(c))
            throw refused(snap + " needs data blob " + short_hex(c) + ", which is not indexed", kRepairIndexHint);
          used.insert(c);
        }
      }
    }
  }
  return used;
}

}  // namespace

PruneReport prune_repository(Repository& repo, const PruneOptions& options,
                             ProgressCounters& progress) {
  PruneReport r;
  Repository::PackListing packs;
  load_whole_index(repo, packs);
  std::vector<std::string> old_index_files = repo.loaded_index_files();
  auto used = used_blobs(repo, options.cancel);

  // Classify packs. A blob counts as used only in the pack the index resolves it to.
  std::set<PackId> to_delete, to_repack;
  std::vector<IndexedPack> kept;
  std::map<std::string, uint64_t> stored;
  for (const auto& o : repo.backend().list("data")) stored[o.name] = o.size;
  // The one copy of a used blob that survives is the one the in-memory index
  // resolves to (load_blob reads that copy); every other copy is garbage.
  auto canonical = [&](const BlobId& blob, const PackId& pack) {
    auto loc = repo.index().find(blob);
    return loc && repo.index().pack_id(loc->pack) == pack;
  };
  for (const auto& [id, entries] : packs) {
    uint64_t size = expected_pack_size(entries), unused_bytes = 0;
    size_t used_count = 0;
    for (const auto& e : entries) {
      if (used.count(e.id) && canonical(e.id, id)) {
        ++used_count;
      } else {
        unused_bytes += e.stored_len;
      }
    }
    r.packs_total++;
    r.bytes_before += size;
    r.blobs_used += used_count;
    r.blobs_unused += entries.size() - used_count;
    if (!stored.count(Repository::pack_name(id))) {
      throw refused(Repository::pack_name(id) + " is indexed but missing", "run 'strata check'");
    }
    if (used_count == 0) {
      to_delete.insert(id);
      r.bytes_freed += size;
    } else if (unused_bytes * 100.0 > options.max_unused_percent * static_cast<double>(size)) {
      to_repack.insert(id);
      r.bytes_repacked += size - unused_bytes;
      r.bytes_freed += unused_bytes;
    } else {
      kept.push_back(IndexedPack{id, entries});
    }
  }
  // Packs in data/ that no index names: leftovers of interrupted writers.
  std::vector<std::string> unindexed;
  for (const auto& [name, size] : stored) {
    auto pid = Repository::pack_id_from_name(name);
    if (pid && !packs.count(*pid)) {
      unindexed.push_back(name);
      r.bytes_before += size;  // what data/ held: freed is always a part of it
      r.bytes_freed += size;
    }
  }
  r.packs_deleted = to_delete.size();
  r.packs_repacked = to_repack.size();
  r.packs_unindexed_deleted = unindexed.size();
  if (options.dry_run) return r;

  // 1. Repack: copy the used blobs of partly used packs into new packs (verified on
  //    the way: corrupt data is never copied).
  for (const auto& id : to_repack) {
    options.cancel.throw_if_cancelled();
    for (const auto& e : packs[id]) {
      if (!used.count(e.id) || !canonical(e.id, id)) continue;
      Bytes plain = repo.load_blob(e.id, e.type);
      repo.save_blob(e.type, e.id, plain, /*force=*/true);
      progress.bytes_done += plain.size();
    }
  }
  size_t files_before_flush = repo.loaded_index_files().size();
  repo.flush();  // new packs durable and indexed
  options.cancel.throw_if_cancelled();  // the last point before anything is removed
  std::set<std::string> new_index_files(repo.loaded_index_files().begin() + files_before_flush,
                                        repo.loaded_index_files().end());
  // Blobs present in both a kept pack and a repacked one: fine, duplicates are legal.

  // 2. One consolidated index for every kept pack, then drop the old index files.
  if (!kept.empty()) new_index_files.insert(repo.write_index_file(kept));
  for (const auto& id : old_index_files) {
    if (new_index_files.count(id)) continue;  // identical content, same name
    repo.backend().remove(Repository::object_name(ObjectKind::index, id));
    r.index_files_removed++;
  }
  // 3. Remove packs no index names any more.
  for (const auto& id : to_delete) repo.backend().remove(Repository::pack_name(id));
  for (const auto& id : to_repack) repo.backend().remove(Repository::pack_name(id));
  for (const auto& name : unindexed) repo.backend().remove(name);
  r.temporaries_removed = repo.backend().remove_stale_temporaries();
  return r;
}

}  // namespace strata::repo
