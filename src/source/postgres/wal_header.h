// Checks that a file offered to the archive really is a WAL segment of this
// cluster, by its first page's long header (magic of the server version,
// timeline, page address, system identifier, segment and block size), so that
// `wal-push` refuses a stray file, a segment of another cluster or a truncated
// copy before it can become the archive's version of that name.
#pragma once
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "source/postgres/wal_names.h"

namespace strata::source::postgres {

struct WalExpectations {
  uint64_t system_id = 0;
  uint64_t segment_size = 16 * 1024 * 1024;
  int server_version_num = 0;  // e.g. 150018; 0: any known page magic
};

// XLOG_PAGE_MAGIC of a major version (13..17), 0 if unknown.
uint16_t wal_page_magic(int major_version);

// Empty when `data` is the complete segment `name` of a cluster matching
// `expect`; otherwise a sentence saying what is wrong ("is 8192 bytes, a WAL
// segment of this cluster has 16777216").
std::string check_wal_segment(const WalFileName& name, ByteView data, const WalExpectations& expect);

// System identifier in the first page header of a segment (0 if too short).
uint64_t wal_segment_system_id(ByteView data);

}  // namespace strata::source::postgres
