// Rebuilding the index from the packs themselves (see index_repair.h).
#include "repo/index_repair.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/error.h"
#include "common/thread_pool.h"
#include "repo/lock.h"

namespace strata::repo {

namespace {

// The first read of a version-2 pack's tail: it holds the sealed header and
// trailer of a pack of up to ~1300 blobs, so most packs take two requests.
constexpr uint64_t kTailGuess = 64 * 1024;
const char* kPackHeaderAad = "strata/v1/pack-header";

PackHeaderRead unreadable(const std::string& name, const std::string& why) {
  PackHeaderRead r;
  r.reason = name + ": " + why;
  return r;
}

// What names a pack: its preamble, sealed header and trailer (the blob area left
// out), or every byte for pack version 1. Empty when the preamble or trailer is not
// a pack's. `size` becomes the number of bytes read for version 1.
Bytes read_framing(storage::Backend& backend, const std::string& name, uint64_t& size) {
  Bytes framing = backend.get_range(name, 0, kPackPreambleSize);
  if (!check_pack_preamble(framing)) return {};
  if (pack_name_hashes_blobs(framing[4])) {
    framing = backend.get(name);
    size = framing.size();
    return framing;
  }
  uint64_t guess = std::min(size - kPackPreambleSize, kTailGuess);
  Bytes tail = backend.get_range(name, size - guess, guess);
  uint64_t header_len = parse_pack_trailer(ByteView(tail).last(kPackTrailerSize));
  if (header_len == 0 || header_len > size - kPackPreambleSize - kPackTrailerSize) return {};
  uint64_t wanted = header_len + kPackTrailerSize;
  if (wanted > guess) tail = backend.get_range(name, size - wanted, wanted);
  append(framing, ByteView(tail).last(wanted));
  return framing;
}

// Checks the framing against the pack's name, then opens and parses the header.
PackHeaderRead parse_framing(Repository& repo, const PackId& id, ByteView framing, uint64_t size) {
  const std::string name = Repository::pack_name(id);
  if (expected_pack_id(framing) != id) return unreadable(name, "content does not match its name (corrupt)");
  uint64_t header_len = parse_pack_trailer(framing.last(kPackTrailerSize));
  if (header_len == 0 || header_len > framing.size() - kPackPreambleSize - kPackTrailerSize)
    return unreadable(name, "bad trailer");
  ByteView sealed = framing.subspan(framing.size() - kPackTrailerSize - header_len, header_len);
  Bytes plain;
  if (!repo.aead().open(sealed, as_bytes(kPackHeaderAad), plain))
    return unreadable(name, "header fails authentication (corrupt)");
  PackHeaderRead r;
  std::string reason;
  if (!parse_pack_header(plain, size - kPackTrailerSize - header_len, r.entries, reason))
    return unreadable(name, reason);
  r.ok = true;
  return r;
}

// An index file as found: its packs, or damaged (unreadable, listing nothing).
struct IndexFile {
  std::string id;
  std::vector<IndexedPack> packs;
  bool damaged = false;
};

// Every index file. One that fails authentication or parsing is damaged; one that
// cannot be read for another reason (I/O) stops the repair, as it is not known to
// be damaged and must not be removed.
std::vector<IndexFile> load_index_files(Repository& repo, std::vector<RepairProblem>& damaged) {
  std::vector<IndexFile> files;
  for (const auto& id : repo.list_objects(ObjectKind::index)) {
    IndexFile f{id, {}, false};
    const std::string name = Repository::object_name(ObjectKind::index, id);
    std::string problem;
    try {
      Bytes plain = repo.load_object(ObjectKind::index, id);
      if (!parse_index(plain, f.packs, problem)) problem = name + ": " + problem;
    } catch (const Error& e) {
      if (e.code() != ExitCode::integrity) throw;
      problem = e.what();
    }
    if (!problem.empty()) {
      f.packs.clear();
      f.damaged = true;
      damaged.push_back(RepairProblem{name, problem});
    }
    files.push_back(std::move(f));
  }
  return files;
}

// Size of every pack in data/; other names there are reported and left alone.
std::map<PackId, uint64_t> list_packs(Repository& repo, std::vector<std::string>& unexpected) {
  std::map<PackId, uint64_t> sizes;
  for (const auto& o : repo.backend().list("data")) {
    auto id = Repository::pack_id_from_name(o.name);
    if (id && Repository::pack_name(*id) == o.name)
      sizes[*id] = o.size;
    else
      unexpected.push_back(o.name);
  }
  std::sort(unexpected.begin(), unexpected.end());
  return sizes;
}

using PackReads = std::map<PackId, PackHeaderRead>;

PackReads read_packs(Repository& repo, const std::map<PackId, uint64_t>& sizes, const RepairIndexOptions& options,
                     ProgressCounters& progress) {
  std::vector<std::pair<PackId, uint64_t>> packs(sizes.begin(), sizes.end());
  std::vector<PackHeaderRead> results(packs.size());
  progress.files_total = packs.size();
  progress.totals_known = true;
  ThreadPool pool(options.threads ? options.threads : ThreadPool::default_threads());
  parallel_for(pool, packs.size(), [&](size_t i) {
    options.cancel.throw_if_cancelled();
    results[i] = read_pack_header(repo, packs[i].first, packs[i].second);
    progress.files_done++;
    if (!results[i].ok) progress.errors++;
  });
  PackReads reads;
  for (size_t i = 0; i < packs.size(); ++i) reads.emplace(packs[i].first, std::move(results[i]));
  return reads;
}

bool same_entries(std::vector<PackEntry> a, std::vector<PackEntry> b) {
  auto by_offset = [](const PackEntry& x, const PackEntry& y) { return x.offset < y.offset; };
  std::sort(a.begin(), a.end(), by_offset);
  std::sort(b.begin(), b.end(), by_offset);
  return a == b;
}

// Kept as it is: every pack it lists is in data/ and, where the pack's header
// could be read, listed with exactly the header's entries.
bool is_sound(const IndexFile& f, const PackReads& reads) {
  if (f.damaged) return false;
  for (const auto& p : f.packs) {
    auto it = reads.find(p.id);
    if (it == reads.end()) return false;
    if (it->second.ok && !same_entries(p.blobs, it->second.entries)) return false;
  }
  return true;
}

struct Plan {
  uint64_t kept = 0;
  std::vector<IndexedPack> to_write;    // packs no kept index file lists
  std::vector<std::string> to_remove;   // ids of damaged and superseded index files
  std::set<PackId> missing;             // listed by a superseded file, absent from data/
};

// Which index files stay, which packs the new ones list, which files go. A pack
// whose header cannot be read keeps the entries a superseded file listed for it.
Plan make_plan(const std::vector<IndexFile>& files, const PackReads& reads) {
  Plan plan;
  std::set<PackId> covered;
  std::map<PackId, const std::vector<PackEntry>*> old_entries;
  for (const auto& f : files) {
    if (is_sound(f, reads)) {
      plan.kept++;
      for (const auto& p : f.packs) covered.insert(p.id);
      continue;
    }
    plan.to_remove.push_back(f.id);
    for (const auto& p : f.packs) {
      if (!reads.count(p.id))
        plan.missing.insert(p.id);
      else
        old_entries.try_emplace(p.id, &p.blobs);
    }
  }
  for (const auto& [id, read] : reads) {
    if (covered.count(id)) continue;
    if (read.ok) {
      plan.to_write.push_back(IndexedPack{id, read.entries});
    } else if (auto it = old_entries.find(id); it != old_entries.end()) {
      plan.to_write.push_back(IndexedPack{id, *it->second});
    }
  }
  return plan;
}

// Splits packs into index files of at most `max_blobs` entries (a pack is never
// split): [begin, end) ranges of `packs`.
std::vector<std::pair<size_t, size_t>> index_file_ranges(const std::vector<IndexedPack>& packs,
                                                         size_t max_blobs) {
  std::vector<std::pair<size_t, size_t>> ranges;
  size_t begin = 0, blobs = 0;
  for (size_t i = 0; i < packs.size(); ++i) {
    if (i > begin && blobs + packs[i].blobs.size() > max_blobs) {
      ranges.emplace_back(begin, i);
      begin = i;
      blobs = 0;
    }
    blobs += packs[i].blobs.size();
  }
  if (begin < packs.size()) ranges.emplace_back(begin, packs.size());
  return ranges;
}

void summarize_reads(const PackReads& reads, RepairIndexReport& r) {
  r.packs_total = reads.size();
  for (const auto& [id, read] : reads) {
    if (!read.ok) {
      r.packs_unreadable.push_back(RepairProblem{Repository::pack_name(id), read.reason});
      continue;
    }
    r.packs_read++;
    r.blobs_indexed += read.entries.size();
  }
}

}  // namespace

PackHeaderRead read_pack_header(Repository& repo, const PackId& id, uint64_t size) {
  const std::string name = Repository::pack_name(id);
  if (size < kPackPreambleSize + kPackTrailerSize) return unreadable(name, "too short to be a pack");
  Bytes framing;
  try {
    framing = read_framing(repo.backend(), name, size);
  } catch (const Error& e) {
    return unreadable(name, e.what());
  }
  if (framing.empty()) return unreadable(name, "not a pack (bad preamble or trailer)");
  return parse_framing(repo, id, framing, size);
}

RepairIndexReport repair_index(Repository& repo, const RepairIndexOptions& options,
                               ProgressCounters& progress) {
  auto lock = RepoLock::acquire(repo, !options.dry_run, "repair", 0, options.cancel);
  RepairIndexReport r;
  auto files = load_index_files(repo, r.index_files_damaged);
  auto reads = read_packs(repo, list_packs(repo, r.unexpected_objects), options, progress);
  summarize_reads(reads, r);
  Plan plan = make_plan(files, reads);
  r.index_files_kept = plan.kept;
  r.packs_reindexed = plan.to_write.size();
  for (const auto& id : plan.missing) r.packs_missing.push_back(Repository::pack_name(id));
  for (const auto& id : plan.to_remove) r.index_files_removed.push_back(Repository::object_name(ObjectKind::index, id));
  auto ranges = index_file_ranges(plan.to_write, std::max<size_t>(options.max_blobs_per_file, 1));
  r.index_files_written = ranges.size();
  if (options.dry_run) return r;
  options.cancel.throw_if_cancelled();
  // Every new index file is durable before any old one goes: a repair stopped at
  // any point leaves at worst packs listed twice, which is legal.
  for (const auto& [begin, end] : ranges)
    repo.write_index_file(std::vector<IndexedPack>(plan.to_write.begin() + static_cast<std::ptrdiff_t>(begin),
                                                   plan.to_write.begin() + static_cast<std::ptrdiff_t>(end)));
  for (const auto& name : r.index_files_removed) repo.backend().remove(name);
  return r;
}

}  // namespace strata::repo
