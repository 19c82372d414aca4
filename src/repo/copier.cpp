// Snapshot copy between repositories (see copier.h).
#include "repo/copier.h"

#include <map>
#include <mutex>
#include <set>

#include "common/thread_pool.h"
#include "repo/pack_format.h"
#include "repo/record_store.h"
#include "repo/tree_walk.h"

namespace strata::repo {
namespace {

std::string short_id(const std::string& id) { return id.substr(0, 8); }

// Every blob (trees included) reachable from `root` in `repo`.
void collect_blobs(Repository& repo, const BlobId& root, std::set<BlobId>& trees, std::set<BlobId>& data) {
  std::set<BlobId> seen;
  for_each_blob(repo, root, seen, [&](const BlobId& id, BlobType type) {
    (type == BlobType::tree ? trees : data).insert(id);
  });
}

// Trees read back from `to` and every data blob present in its index.
void verify_copy(Repository& to, const Snapshot& snap) {
  std::set<BlobId> trees, data;
  collect_blobs(to, snap.tree, trees, data);
  for (const auto& id : data)
    if (!to.index().has(id))
      throw Error(ExitCode::integrity, "copy of snapshot " + short_id(snap.id) + " in " + to.backend().location() +
                                           ": data blob " + to_hex(id).substr(0, 12) + " is not in the index");
}

class RawCopier {
 public:
  RawCopier(Repository& from, Repository& to, const CopyOptions& o, CopyReport& r)
      : from_(from), to_(to), options_(o), report_(r) {}

  void copy(const Snapshot& snap) {
    std::set<BlobId> trees, data;
    collect_blobs(from_, snap.tree, trees, data);
    std::set<uint32_t> packs;  // source pack numbers holding a blob `to` lacks
    auto want = [&](const BlobId& id) {
      if (to_.index().has(id)) return;
      auto loc = from_.index().find(id);
      if (!loc) throw Error(ExitCode::integrity, "blob " + to_hex(id).substr(0, 12) + " of snapshot " +
                                                     short_id(snap.id) + " is not in the source index");
      packs.insert(loc->pack);
    };
    for (const auto& id : trees) want(id);
    for (const auto& id : data) want(id);
    if (!listing_loaded_) {
      from_.load_index(nullptr, &listing_);
      listing_loaded_ = true;
    }
    ThreadPool pool(std::max(1u, options_.threads));
    std::vector<std::future<void>> jobs;
    std::vector<IndexedPack> batch;
    std::mutex batch_mu;
    for (uint32_t p : packs) {
      PackId id = from_.index().pack_id(p);
      jobs.push_back(pool.submit([this, id, &batch, &batch_mu] {
        options_.cancel.throw_if_cancelled();
        IndexedPack copied = copy_pack(id);
        std::lock_guard lock(batch_mu);
        batch.push_back(std::move(copied));
      }));
    }
    std::exception_ptr failure;
    for (auto& j : jobs) {
      try {
        j.get();
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
    }
    // Whatever was copied is indexed, so that a rerun after a failure reuses it.
    if (!batch.empty()) {
      to_.write_index_file(batch);
      for (const auto& p : batch) to_.index().add_pack(p.id, p.blobs);
    }
    if (failure) std::rethrow_exception(failure);
  }

 private:
  IndexedPack copy_pack(const PackId& id) {
    const std::string name = Repository::pack_name(id);
    auto it = listing_.find(id);
    if (it == listing_.end()) throw Error(ExitCode::integrity, name + " is not listed by the source's index files");
    Bytes pack = from_.backend().get(name);
    if (expected_pack_id(pack) != id)
      throw Error(ExitCode::integrity, from_.backend().location() + "/" + name + ": content does not match its name");
    for (const auto& e : it->second) {  // every blob authenticates before it is copied
      if (uint64_t{e.offset} + e.stored_len > pack.size())
        throw Error(ExitCode::integrity, from_.backend().location() + "/" + name + ": truncated");
      Bytes plain;
      if (!decode_blob(from_.aead(), e.id, e.type, e.flags, ByteView(pack).subspan(e.offset, e.stored_len),
                       e.raw_len, plain))
        throw Error(ExitCode::integrity, from_.backend().location() + "/" + name + ": blob " +
                                             to_hex(e.id).substr(0, 12) + " fails authentication (corrupt data)");
    }
    to_.backend().put(name, pack);
    auto stored = to_.backend().stat(name);
    if (!stored || *stored != pack.size())
      throw Error(ExitCode::io, to_.backend().location() + "/" + name + ": stored size does not match what was written");
    {
      std::lock_guard lock(report_mu_);  // copy_pack runs on several workers
      report_.packs_copied++;
      report_.blobs_copied += it->second.size();
      report_.bytes_copied += pack.size();
    }
    return IndexedPack{id, it->second};
  }

  Repository& from_;
  Repository& to_;
  const CopyOptions& options_;
  CopyReport& report_;
  std::mutex report_mu_;
  Repository::PackListing listing_;
  bool listing_loaded_ = false;
};

// Copies through the destination's own keys and chunk ids, one tree at a time
// (memory holds one tree, whatever the snapshot's size): the data blobs a tree
// names are fetched, opened and sealed again by `threads` workers at once, then
// the tree is stored with the new ids, after the blobs it names.
class ReencryptingCopier {
 public:
  ReencryptingCopier(Repository& from, Repository& to, const CopyOptions& o, CopyReport& r)
      : from_(from), to_(to), report_(r), cancel_(o.cancel), pool_(std::max(1u, o.threads)) {}

  BlobId copy_tree(const BlobId& id) {
    if (auto it = map_.find(id); it != map_.end()) return it->second;
    Tree t = load_tree(from_, id);
    std::vector<BlobId> data;  // not copied yet, each once
    std::set<BlobId> queued;
    for (const auto& n : t.nodes)
      for (const auto& c : n.content)
        if (!map_.contains(c) && queued.insert(c).second) data.push_back(c);
    copy_data(data);
    for (auto& n : t.nodes) {
      for (auto& c : n.content) c = map_.at(c);
      if (n.subtree) n.subtree = copy_tree(*n.subtree);
    }
    Bytes enc = encode_tree(t);
    BlobId nid = to_.blob_id(enc, BlobType::tree);
    if (to_.save_blob(BlobType::tree, nid, enc)) count(enc.size());
    map_[id] = nid;
    return nid;
  }

 private:
  void copy_data(const std::vector<BlobId>& ids) {
    std::vector<BlobId> copied(ids.size());
    parallel_for(pool_, ids.size(), [&](size_t i) {
      cancel_.throw_if_cancelled();
      Bytes plain = from_.load_blob(ids[i], BlobType::data);
      copied[i] = to_.blob_id(plain, BlobType::data);
      if (to_.save_blob(BlobType::data, copied[i], plain)) count(plain.size());
    });
    for (size_t i = 0; i < ids.size(); ++i) map_[ids[i]] = copied[i];
  }

  void count(uint64_t bytes) {
    std::lock_guard lock(report_mu_);
    report_.blobs_copied++;
    report_.bytes_copied += bytes;
  }

  Repository& from_;
  Repository& to_;
  CopyReport& report_;
  std::mutex report_mu_;
  std::map<BlobId, BlobId> map_;  // source id -> destination id
  CancelToken cancel_;
  ThreadPool pool_;
};

}  // namespace

bool can_copy_raw(const Repository& from, const Repository& to) {
  return from.master_key().secret == to.master_key().secret && from.config().version == to.config().version;
}

CopyReport copy_snapshots(Repository& from, Repository& to, const std::vector<Snapshot>& snaps,
                          const CopyOptions& options) {
  CopyReport report;
  report.raw = can_copy_raw(from, to);
  std::set<std::string> present;  // originals the destination already has
  for (const auto& s : load_snapshots(to)) present.insert(original_id(s));
  std::map<std::string, std::string> copied_as;  // source id -> destination id (parents)
  RawCopier raw(from, to, options, report);
  ReencryptingCopier reencrypt(from, to, options, report);
  for (const auto& snap : snaps) {
    options.cancel.throw_if_cancelled();
    if (present.contains(original_id(snap))) {
      report.snapshots_present++;
      if (options.log) options.log("snapshot " + short_id(snap.id) + " is already in " + to.backend().location());
      continue;
    }
    Snapshot copy = snap;
    copy.original = original_id(snap);
    copy.parent = copied_as.contains(snap.parent) ? copied_as[snap.parent] : "";
    if (report.raw) {
      raw.copy(snap);
    } else {
      copy.tree = reencrypt.copy_tree(snap.tree);
    }
    save_snapshot(to, copy);  // flushes packs and index first
    verify_copy(to, copy);
    copied_as[snap.id] = copy.id;
    present.insert(copy.original);
    report.snapshots_copied++;
    if (options.log)
      options.log("snapshot " + short_id(snap.id) + " copied to " + to.backend().location() + " as " +
                  short_id(copy.id));
  }
  return report;
}

RecordCopyReport copy_records(Repository& from, Repository& to, const std::string& prefix) {
  RecordCopyReport report;
  RecordStore src(from), dst(to);
  std::set<std::string> present;
  for (const auto& r : dst.list(prefix)) present.insert(r.name);
  const bool raw = can_copy_raw(from, to);
  for (const auto& r : src.list(prefix)) {
    if (present.contains(r.name)) continue;
    const std::string object = RecordStore::object_name(r.name);
    if (raw) {
      Bytes sealed;
      if (!src.get(r.name, &sealed)) continue;  // removed meanwhile; authenticated otherwise
      if (!to.backend().put_if_absent(object, sealed) && !dst.exists(r.name))
        throw Error(ExitCode::io, to.backend().location() + "/" + object + ": could not be stored");
      report.bytes += sealed.size();
    } else {
      auto plain = src.get(r.name);
      if (!plain) continue;
      dst.put(r.name, *plain);
      report.bytes += r.stored_size;
    }
    report.records++;
  }
  return report;
}

}  // namespace strata::repo
