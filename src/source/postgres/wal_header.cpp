// First-page header checks of WAL segments (see wal_header.h). Layout of
// XLogLongPageHeaderData (little-endian on every platform PostgreSQL runs on here):
//   0 xlp_magic u16 | 2 xlp_info u16 | 4 xlp_tli u32 | 8 xlp_pageaddr u64 |
//  16 xlp_rem_len u32 | (pad) | 24 xlp_sysid u64 | 32 xlp_seg_size u32 | 36 xlp_xlog_blcksz u32
#include "source/postgres/wal_header.h"

#include <cstring>

namespace strata::source::postgres {

namespace {
constexpr uint16_t kLongHeaderFlag = 0x0002;  // XLP_LONG_HEADER
constexpr size_t kLongHeaderSize = 40;

template <class T>
T read_le(ByteView d, size_t off) {
  T v;
  std::memcpy(&v, d.data() + off, sizeof v);
  return v;
}

std::string hex16(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04X", v);
  return buf;
}
}  // namespace

uint16_t wal_page_magic(int major_version) {
  switch (major_version) {
    case 13: return 0xD106;
    case 14: return 0xD10D;
    case 15: return 0xD110;
    case 16: return 0xD113;
    case 17: return 0xD116;
    default: return 0;
  }
}

uint64_t wal_segment_system_id(ByteView data) {
  return data.size() < kLongHeaderSize ? 0 : read_le<uint64_t>(data, 24);
}

std::string check_wal_segment(const WalFileName& name, ByteView data, const WalExpectations& expect) {
  if (data.size() != expect.segment_size)
    return "is " + std::to_string(data.size()) + " bytes, a WAL segment of this cluster has " +
           std::to_string(expect.segment_size);
  const uint16_t magic = read_le<uint16_t>(data, 0);
  const uint16_t info = read_le<uint16_t>(data, 2);
  const uint16_t want_magic = wal_page_magic(expect.server_version_num / 10000);
  if (want_magic != 0 ? magic != want_magic : (magic & 0xFF00) != 0xD100)
    return "has page magic " + hex16(magic) + ", not a WAL segment of PostgreSQL " +
           (expect.server_version_num ? std::to_string(expect.server_version_num / 10000) : std::string("13-17")) +
           (want_magic ? " (" + hex16(want_magic) + ")" : "");
  if (!(info & kLongHeaderFlag)) return "does not start with a long page header: not the start of a WAL segment";
  const uint32_t tli = read_le<uint32_t>(data, 4);
  if (tli != name.timeline)
    return "has timeline " + std::to_string(tli) + " in its header, its name says " + std::to_string(name.timeline);
  const uint64_t pageaddr = read_le<uint64_t>(data, 8);
  const uint64_t start = segment_start(segment_number(name, expect.segment_size), expect.segment_size);
  if (pageaddr != start)
    return "starts at LSN " + format_lsn(pageaddr) + ", its name says " + format_lsn(start);
  const uint64_t sysid = read_le<uint64_t>(data, 24);
  if (expect.system_id != 0 && sysid != expect.system_id)
    return "belongs to database system " + std::to_string(sysid) + ", this stanza's is " +
           std::to_string(expect.system_id);
  const uint32_t seg_size = read_le<uint32_t>(data, 32);
  if (seg_size != expect.segment_size)
    return "has segment size " + std::to_string(seg_size) + " in its header, this cluster uses " +
           std::to_string(expect.segment_size);
  return "";
}

}  // namespace strata::source::postgres
