// `strata pg verify`: everything a recovery of the stanza will need is in the
// repository and intact — every archived WAL file authenticates (and a segment's
// header names this cluster, its timeline and position), the WAL of every
// timeline is continuous from the oldest backup's start to its newest segment,
// every timeline after the first has its history file, and every backup's own
// WAL range is present and its snapshot tree readable with all data indexed
// (with read_data, every data blob is read and authenticated too).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/progress.h"
#include "repo/repository.h"
#include "repo/snapshot.h"
#include "source/postgres/stanza.h"

namespace strata::source::postgres {

struct VerifyReport {
  uint64_t wal_files = 0, wal_bytes = 0, backups = 0, blobs_read = 0;
  std::vector<std::string> problems;  // one line each, naming the object
};

VerifyReport verify_stanza(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                           const StanzaRecord& stanza, bool read_data, unsigned threads, ProgressCounters& progress);

}  // namespace strata::source::postgres
