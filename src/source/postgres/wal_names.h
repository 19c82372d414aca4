// Names and positions of PostgreSQL WAL files: segment names (timeline, log id,
// segment), LSNs ("16/B374D848"), timeline history files ("00000002.history"),
// backup history files ("…0028.backup") and ".partial" segments. Pure functions,
// so archive, backup and restore agree on every conversion.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace strata::source::postgres {

using Lsn = uint64_t;

enum class WalFileKind { segment, partial, history, backup_history };

struct WalFileName {
  WalFileKind kind = WalFileKind::segment;
  uint32_t timeline = 0;
  uint32_t log = 0, seg = 0;  // the two halves of the segment part (segments, partial, backup)
  std::string name;           // as given
  std::string segment_name() const;  // the 24 hex digits (not for history files)
};

// Parses a WAL archive file name; nullopt when it is none of the four kinds.
std::optional<WalFileName> parse_wal_file_name(const std::string& name);

// "X/Y" (hex) -> LSN; nullopt when malformed.
std::optional<Lsn> parse_lsn(const std::string& text);
std::string format_lsn(Lsn lsn);

// Segment number of an LSN and back, for a segment size in bytes (a power of two
// between 1 MiB and 1 GiB).
uint64_t segment_number(Lsn lsn, uint64_t segment_size);
std::string segment_file_name(uint32_t timeline, uint64_t segno, uint64_t segment_size);
// Segment number of a parsed segment name.
uint64_t segment_number(const WalFileName& name, uint64_t segment_size);
// Start LSN of a segment.
inline Lsn segment_start(uint64_t segno, uint64_t segment_size) { return segno * segment_size; }

}  // namespace strata::source::postgres
