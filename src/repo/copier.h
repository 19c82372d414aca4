// Copying snapshots from one repository to another (`strata copy`, replication
// to a second region): every blob a snapshot needs that the destination lacks,
// then the snapshot itself, marked with the id it was first made under so a
// second run skips it. Two ways:
//  - raw: both repositories hold the same master key and format version, so
//    packs move byte for byte (each checked against its name and every blob
//    authenticated before it is written) and the source's index entries are
//    reused;
//  - re-encrypting: otherwise each tree is rewritten with the destination's
//    blob ids and every blob is decrypted from the source and sealed anew.
// The destination's commit order is kept (packs, then index, then snapshot), so
// an interrupted copy leaves only unreferenced data that the next run reuses or
// prune removes. After each snapshot, its trees are read back from the
// destination and every blob it references must be in the destination's index.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "repo/repository.h"
#include "repo/snapshot.h"

namespace strata::repo {

struct CopyOptions {
  unsigned threads = 2;  // packs (raw copy) or blobs (re-encrypting copy) in flight
  std::function<void(const std::string& line)> log;  // one line per snapshot
  // Checked per snapshot, pack and blob; what was copied before is indexed (and
  // reused by the next run), a snapshot is written only once all its data is there.
  CancelToken cancel;
};

struct CopyReport {
  bool raw = false;
  uint64_t snapshots_copied = 0, snapshots_present = 0;
  uint64_t packs_copied = 0, blobs_copied = 0, bytes_copied = 0;
};

// True when packs of `from` can be stored in `to` unchanged.
bool can_copy_raw(const Repository& from, const Repository& to);

// Copies `snaps` (of `from`) into `to`. Both indexes must be loaded; the caller
// holds non-exclusive locks on both. Throws Error like the operations it runs
// (integrity for damaged source data, io for storage failures).
CopyReport copy_snapshots(Repository& from, Repository& to, const std::vector<Snapshot>& snaps,
                          const CopyOptions& options);

// Copies every record below `prefix` (e.g. "pg": archived WAL, stanzas) that
// `to` lacks: the sealed object as stored when the master key is shared, else
// opened and sealed anew. Returns how many records and stored bytes were copied.
struct RecordCopyReport {
  uint64_t records = 0, bytes = 0;
};
RecordCopyReport copy_records(Repository& from, Repository& to, const std::string& prefix);

// The id a snapshot was first made under (its `original`, else its own id).
inline const std::string& original_id(const Snapshot& s) { return s.original.empty() ? s.id : s.original; }

}  // namespace strata::repo
