// Micro-benchmark of the in-memory blob index (repo::MasterIndex): how many bytes it
// costs per blob and how fast it answers. The index of every blob in a repository is
// held in memory by backup, restore, check and prune, so its size per blob bounds the
// largest repository a small machine can work with.
//
// Usage: strata_index_bench [blobs]   (default 1000000)
// Inserts `blobs` uniformly random ids (blob ids are HMAC-SHA-256 outputs) with
// add_pack() in packs of 1000, then times find() on present ids in random order
// (hit_lookups_per_s), absent ids (miss_lookups_per_s) and both interleaved
// (lookups_per_s), single-threaded. Memory is malloc accounting: the growth of
// mallinfo2().uordblks + hblkhd (bytes in use from the heap plus mmapped blocks, with
// malloc's own headers, without freed holes); the growth of resident memory
// (/proc/self/statm) is reported beside it as rss_bytes_per_blob. Prints one JSON line.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include "repo/master_index.h"

namespace {

using strata::repo::BlobId;
using strata::repo::MasterIndex;
using strata::repo::PackEntry;
using strata::repo::PackId;

constexpr size_t kBlobsPerPack = 1000;

size_t malloc_in_use_bytes() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

size_t rss_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

std::vector<BlobId> random_ids(size_t n, std::mt19937_64& rng) {
  std::vector<BlobId> ids(n);
  for (auto& id : ids)
    for (size_t i = 0; i < id.size(); i += 8) {
      uint64_t v = rng();
      for (size_t j = 0; j < 8; j++) id[i + j] = static_cast<uint8_t>(v >> (8 * j));
    }
  return ids;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Looks every id up, in as many rounds as make at least 2 million lookups (small
// indexes are timed over long enough); returns lookups per second. `found` counts
// the hits of one round.
double time_finds(const MasterIndex& index, const std::vector<BlobId>& ids, size_t& found) {
  size_t rounds = (2000000 + ids.size() - 1) / ids.size();
  size_t total = 0;
  auto start = std::chrono::steady_clock::now();
  for (size_t r = 0; r < rounds; r++)
    for (const auto& id : ids) total += index.find(id).has_value();
  double s = seconds_since(start);
  found = total / rounds;
  return static_cast<double>(rounds * ids.size()) / s;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  if (n == 0) {
    std::fprintf(stderr, "usage: %s [blobs > 0]\n", argv[0]);
    return 2;
  }
  std::mt19937_64 rng(20240601);
  std::vector<BlobId> ids = random_ids(n, rng);
  std::vector<BlobId> misses = random_ids(n, rng);
  std::vector<BlobId> hits = ids;
  std::shuffle(hits.begin(), hits.end(), rng);
  std::vector<BlobId> mixed;  // hits and misses interleaved
  mixed.reserve(2 * n);
  for (size_t i = 0; i < n; i++) {
    mixed.push_back(hits[i]);
    mixed.push_back(misses[i]);
  }
  std::vector<PackEntry> pack(kBlobsPerPack);
  std::vector<PackId> pack_ids = random_ids((n + kBlobsPerPack - 1) / kBlobsPerPack, rng);

  auto index = std::make_unique<MasterIndex>();
  size_t malloc_before = malloc_in_use_bytes();
  size_t rss_before = rss_bytes();
  auto start = std::chrono::steady_clock::now();
  for (size_t first = 0, p = 0; first < n; first += kBlobsPerPack, p++) {
    size_t count = std::min(kBlobsPerPack, n - first);
    pack.resize(count);
    for (size_t i = 0; i < count; i++) {
      PackEntry& e = pack[i];
      e.id = ids[first + i];
      e.offset = static_cast<uint32_t>(i * 4096);
      e.stored_len = 4096;
      e.raw_len = 4000;
    }
    index->add_pack(pack_ids[p], pack);
  }
  double insert_s = seconds_since(start);
  size_t malloc_used = malloc_in_use_bytes() - malloc_before;
  size_t rss_used = rss_bytes() - rss_before;
  if (index->blob_count() != n) {
    std::fprintf(stderr, "blob_count %zu != %zu\n", index->blob_count(), n);
    return 1;
  }

  size_t found_hits = 0, found_misses = 0, found_mixed = 0;
  double hit_rate = time_finds(*index, hits, found_hits);
  double miss_rate = time_finds(*index, misses, found_misses);
  double mixed_rate = time_finds(*index, mixed, found_mixed);
  if (found_hits != n || found_misses != 0 || found_mixed != n) {
    std::fprintf(stderr, "wrong lookup results: %zu hits, %zu misses, %zu mixed\n", found_hits,
                 found_misses, found_mixed);
    return 1;
  }

  std::printf(
      "{\"blobs\":%zu,\"bytes_per_blob\":%.1f,\"lookups_per_s\":%.0f,\"inserts_per_s\":%.0f,"
      "\"hit_lookups_per_s\":%.0f,\"miss_lookups_per_s\":%.0f,\"rss_bytes_per_blob\":%.1f,"
      "\"memory\":\"mallinfo2\"}\n",
      n, static_cast<double>(malloc_used) / static_cast<double>(n), mixed_rate,
      static_cast<double>(n) / insert_s, hit_rate, miss_rate,
      static_cast<double>(rss_used) / static_cast<double>(n));
  return 0;
}
