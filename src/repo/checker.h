// `check`: verifies that every snapshot can be restored. Structure: index files,
// snapshots and every tree decrypt and authenticate, every referenced blob is
// indexed, every indexed pack exists with the exact size its index implies.
// With read_data: every selected pack is read in full — its SHA-256 name, trailer,
// sealed header (consistent with the index) and every blob (authenticates, and its
// keyed hash equals its id).
#pragma once
#include <string>
#include <vector>

#include "common/cancel.h"
#include "common/progress.h"
#include "repo/repository.h"

namespace strata::repo {

struct CheckOptions {
  bool read_data = false;
  double read_data_percent = 100;  // with read_data: share of packs to read
  unsigned threads = 0;
  CancelToken cancel;  // checked per tree and per pack read
};

struct CheckReport {
  std::vector<std::string> errors;    // integrity problems, one line each naming the object
  std::vector<std::string> warnings;  // findings that are not errors (e.g. packs no index lists)
  // The index is damaged or incomplete: an index file is unreadable, or a snapshot
  // needs a blob that no index file lists. Packs no index lists may then hold
  // those blobs: they are not garbage, and 'strata repair index' indexes them again.
  bool index_damaged = false;
  std::vector<std::string> unindexed_packs;  // names of packs in data/ that no index file lists
  uint64_t snapshots = 0, trees = 0, packs = 0, packs_read = 0, blobs_read = 0;
};

CheckReport check_repository(Repository& repo, const CheckOptions& options,
                             ProgressCounters& progress);

// Reads one pack completely and verifies it; returns problems (empty if sound).
// `indexed` lists the entries the index claims for this pack.
std::vector<std::string> verify_pack(Repository& repo, const PackId& id,
                                     const std::vector<PackEntry>& indexed);

// Exact size of a pack holding these entries (blob area + sealed header + trailer).
uint64_t expected_pack_size(const std::vector<PackEntry>& entries);

}  // namespace strata::repo
