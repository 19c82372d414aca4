// The WAL archive of a stanza: archived segments, partial segments, timeline
// history and backup history files, each a write-once record
//   records/pg/<stanza>/wal/<timeline+log, 16 hex>/<file name>   (segments, .partial, .backup)
//   records/pg/<stanza>/wal/<timeline, 8 hex>.history
// so that `wal-get` finds a segment by its name alone. A push validates the file
// (a segment's header must name this cluster, its timeline and position) and is
// durable when it returns; pushing the same content again succeeds, different
// content under an archived name fails and never overwrites.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "repo/record_store.h"
#include "source/postgres/stanza.h"
#include "source/postgres/wal_names.h"

namespace strata::source::postgres {

struct ArchivedWal {
  WalFileName file;
  uint64_t stored_size = 0;
  int64_t stored_ns = 0;
};

// Contiguous run of archived segments on one timeline.
struct WalRange {
  uint32_t timeline = 0;
  uint64_t first_segno = 0, last_segno = 0;
  int64_t newest_stored_ns = 0;
};

class WalArchive {
 public:
  WalArchive(repo::Repository& repo, const StanzaRecord& stanza, int compression_level = 3);

  // Validates and stores the file at `path` under its base name; returns whether
  // it was new (false: identical content was already archived). Error(usage)
  // for a file that is not a WAL file of this cluster, Error(conflict) when
  // different content is archived under the name, Error(io) when unreadable.
  bool push(const std::string& path);
  // Same for bytes already in memory (name = the file's base name).
  bool push_bytes(const std::string& name, ByteView data);
  // The content of an archived file, or nullopt when it is not archived.
  std::optional<Bytes> get(const std::string& name);
  bool contains(const std::string& name);
  // Every archived file, in name order (no content is read).
  std::vector<ArchivedWal> list();
  // Runs of consecutive segments per timeline, oldest first.
  std::vector<WalRange> segment_ranges(const std::vector<ArchivedWal>& files) const;
  // Segments of [from, to] (inclusive) on `timeline` that are not archived.
  std::vector<std::string> missing_segments(uint32_t timeline, uint64_t from_segno, uint64_t to_segno);
  void remove(const ArchivedWal& file);

  const StanzaRecord& stanza() const { return stanza_; }
  std::string record_name(const WalFileName& file) const;

 private:
  repo::RecordStore records_;
  StanzaRecord stanza_;
  int level_;
  std::string prefix_;  // pg/<stanza>/wal
};

}  // namespace strata::source::postgres
