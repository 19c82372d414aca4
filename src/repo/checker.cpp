// Repository verification (see checker.h).
#include "repo/checker.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <unordered_set>

#include "common/error.h"
#include "common/thread_pool.h"
#include "repo/index_format.h"
#include "repo/snapshot.h"
#include "repo/tree_walk.h"

namespace strata::repo {

uint64_t expected_pack_size(const std::vector<PackEntry>& entries) {
  uint64_t data_end = kPackPreambleSize;
  for (const auto& e : entries) data_end = std::max<uint64_t>(data_end, uint64_t{e.offset} + e.stored_len);
  return data_end + crypto::kSealOverhead + 8 + kPackEntrySize * entries.size() + kPackTrailerSize;
}

std::vector<std::string> verify_pack(Repository& repo, const PackId& id,
                                     const std::vector<PackEntry>& indexed) {
  std::vector<std::string> problems;
  std::string name = Repository::pack_name(id);
  Bytes pack;
  try {
    pack = repo.backend().get(name);
  } catch (const Error& e) {
    problems.push_back(name + ": " + e.what());
    return problems;
  }
  if (expected_pack_id(pack) != id) problems.push_back(name + ": content does not match its name (corrupt)");
  if (pack.size() < kPackPreambleSize + kPackTrailerSize || !check_pack_preamble(pack)) {
    problems.push_back(name + ": not a pack (bad preamble or too short)");
    return problems;
  }
  uint32_t header_len = parse_pack_trailer(ByteView(pack).last(kPackTrailerSize));
  if (header_len == 0 || header_len > pack.size() - kPackPreambleSize - kPackTrailerSize) {
    problems.push_back(name + ": bad trailer");
    return problems;
  }
  uint64_t data_end = pack.size() - kPackTrailerSize - header_len;
  Bytes header_plain;
  if (!repo.aead().open(ByteView(pack).subspan(data_end, header_len), as_bytes("strata/v1/pack-header"),
                        header_plain)) {
    problems.push_back(name + ": header fails authentication (corrupt)");
    return problems;
  }
  std::vector<PackEntry> entries;
  std::string reason;
  if (!parse_pack_header(header_plain, data_end, entries, reason)) {
    problems.push_back(name + ": " + reason);
    return problems;
  }
  std::map<BlobId, const PackEntry*> in_header;
  for (const auto& e : entries) in_header[e.id] = &e;
  for (const auto& e : indexed) {
    auto it = in_header.find(e.id);
    if (it == in_header.end() || it->second->offset != e.offset ||
        it->second->stored_len != e.stored_len || it->second->type != e.type ||
        it->second->raw_len != e.raw_len || it->second->flags != e.flags)
      problems.push_back(name + ": index entry for blob " + short_hex(e.id) +
                         " does not match the pack header");
  }
  Bytes plain;
  for (const auto& e : entries) {
    ByteView sealed = ByteView(pack).subspan(e.offset, e.stored_len);
    if (!decode_blob(repo.aead(), e.id, e.type, e.flags, sealed, e.raw_len, plain)) {
      problems.push_back(name + ": " + blob_type_name(e.type) + " blob " + short_hex(e.id) +
                         " fails authentication (corrupt)");
      continue;
    }
    if (repo.blob_id(plain, e.type) != e.id)
      problems.push_back(name + ": blob " + short_hex(e.id) + " content does not match its id");
  }
  return problems;
}

namespace {

// Every indexed pack is in data/ with the exact size its entries imply; packs in
// data/ that no index file lists are collected in r.unindexed_packs.
void check_packs_present(Repository& repo, const Repository::PackListing& packs, CheckReport& r) {
  std::map<std::string, uint64_t> stored;
  for (const auto& o : repo.backend().list("data")) stored[o.name] = o.size;
  for (const auto& [id, entries] : packs) {
    std::string name = Repository::pack_name(id);
    auto it = stored.find(name);
    if (it == stored.end()) {
      r.errors.push_back(name + ": pack named by the index is missing");
      continue;
    }
    uint64_t want = expected_pack_size(entries);
    if (it->second != want)
      r.errors.push_back(name + ": size " + std::to_string(it->second) + " differs from the " +
                         std::to_string(want) + " bytes its index implies (truncated or damaged)");
  }
  for (const auto& [name, size] : stored) {
    auto pid = Repository::pack_id_from_name(name);
    if (!pid)
      r.warnings.push_back(name + ": unexpected file in data/");
    else if (!packs.count(*pid))
      r.unindexed_packs.push_back(name);
  }
  r.packs = packs.size();
}

// The data blobs of one tree's files are indexed as data blobs.
void check_file_contents(Repository& repo, const Snapshot& s, const Tree& tree, CheckReport& r) {
  for (const auto& n : tree.nodes) {
    for (const auto& c : n.content) {
      auto loc = repo.index().find(c);
      if (!loc) {
        r.index_damaged = true;
        r.errors.push_back("snapshot " + s.id.substr(0, 8) + ": file " + n.name + " needs data blob " +
                           short_hex(c) + ", which is not indexed");
      } else if (loc->type != BlobType::data) {
        r.errors.push_back("snapshot " + s.id.substr(0, 8) + ": file " + n.name + " refers to blob " +
                           short_hex(c) + ", which is indexed as a tree");
      }
    }
  }
}

// Every tree of every snapshot loads; trees shared between snapshots once.
void check_snapshots(Repository& repo, const CancelToken& cancel, CheckReport& r) {
  auto snaps = load_snapshots(repo, &r.errors);
  r.snapshots = snaps.size();
  std::unordered_set<BlobId, BlobIdHash> seen_trees;
  for (const auto& s : snaps) {
    std::vector<BlobId> stack{s.tree};
    while (!stack.empty()) {
      BlobId t = stack.back();
      stack.pop_back();
      if (!seen_trees.insert(t).second) continue;
      cancel.throw_if_cancelled();
      if (!repo.index().has(t)) {
        r.index_damaged = true;
        r.errors.push_back("snapshot " + s.id.substr(0, 8) + ": tree blob " + short_hex(t) +
                           " is not indexed");
        continue;
      }
      Tree tree;
      try {
        tree = load_tree(repo, t);
      } catch (const Error& e) {
        r.errors.push_back("snapshot " + s.id.substr(0, 8) + ": " + e.what());
        continue;
      }
      r.trees++;
      for (const auto& n : tree.nodes)
        if (n.subtree) stack.push_back(*n.subtree);
      check_file_contents(repo, s, tree, r);
    }
  }
}

// What a pack no index lists means depends on the rest of the check: with a
// damaged index it may hold blobs the snapshots need, so it must be indexed again,
// never pruned; with a sound index it is a leftover that prune removes.
std::string unindexed_pack_message(const std::string& name, bool index_damaged) {
  if (index_damaged)
    return name + ": pack not in any index, and the index is damaged or incomplete (see the errors): "
                  "it may hold blobs the snapshots need; run 'strata repair index' to index it again";
  return name + ": pack not in any index (left by an interrupted or running backup or prune; "
                "'strata prune' removes it)";
}

// Reads the selected share of the packs completely (verify_pack), in parallel.
void read_pack_data(Repository& repo, const Repository::PackListing& packs, const CheckOptions& options,
                    ProgressCounters& progress, CheckReport& r) {
  std::vector<const std::pair<const PackId, std::vector<PackEntry>>*> selected;
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> dist(0, 100);
  for (const auto& p : packs)
    if (options.read_data_percent >= 100 || dist(rng) < options.read_data_percent) selected.push_back(&p);
  if (selected.empty() && !packs.empty() && options.read_data_percent > 0) selected.push_back(&*packs.begin());
  for (const auto* p : selected) progress.bytes_total += expected_pack_size(p->second);
  progress.files_total = selected.size();
  progress.totals_known = true;
  std::mutex mu;
  ThreadPool pool(options.threads ? options.threads : ThreadPool::default_threads());
  parallel_for(pool, selected.size(), [&](size_t i) {
    options.cancel.throw_if_cancelled();
    auto problems = verify_pack(repo, selected[i]->first, selected[i]->second);
    progress.files_done++;
    progress.bytes_done += expected_pack_size(selected[i]->second);
    std::lock_guard<std::mutex> lock(mu);
    r.blobs_read += selected[i]->second.size();
    r.errors.insert(r.errors.end(), problems.begin(), problems.end());
  });
  r.packs_read = selected.size();
}

}  // namespace

CheckReport check_repository(Repository& repo, const CheckOptions& options,
                             ProgressCounters& progress) {
  CheckReport r;
  Repository::PackListing packs;
  repo.load_index(&r.errors, &packs);
  if (!r.errors.empty()) r.index_damaged = true;
  check_packs_present(repo, packs, r);
  check_snapshots(repo, options.cancel, r);
  for (const auto& name : r.unindexed_packs) r.warnings.push_back(unindexed_pack_message(name, r.index_damaged));
  if (options.read_data) read_pack_data(repo, packs, options, progress, r);
  return r;
}

}  // namespace strata::repo
