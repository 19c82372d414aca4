// WAL file names and LSN arithmetic (see wal_names.h).
#include "source/postgres/wal_names.h"

#include <cstdio>

namespace strata::source::postgres {

namespace {
bool hex_digits(const std::string& s, size_t from, size_t count) {
  if (s.size() < from + count) return false;
  for (size_t i = from; i < from + count; ++i) {
    char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}
uint32_t hex32(const std::string& s, size_t from) {
  return static_cast<uint32_t>(std::stoul(s.substr(from, 8), nullptr, 16));
}
uint64_t segments_per_log(uint64_t segment_size) { return 0x100000000ull / segment_size; }
}  // namespace

std::string WalFileName::segment_name() const { return name.substr(0, 24); }

std::optional<WalFileName> parse_wal_file_name(const std::string& name) {
  WalFileName out;
  out.name = name;
  if (name.size() == 16 && hex_digits(name, 0, 8) && name.compare(8, 8, ".history") == 0) {
    out.kind = WalFileKind::history;
    out.timeline = hex32(name, 0);
    return out.timeline == 0 ? std::nullopt : std::optional(out);
  }
  if (!hex_digits(name, 0, 24)) return std::nullopt;
  out.timeline = hex32(name, 0);
  out.log = hex32(name, 8);
  out.seg = hex32(name, 16);
  if (out.timeline == 0) return std::nullopt;
  if (name.size() == 24) {
    out.kind = WalFileKind::segment;
  } else if (name.size() == 32 && name.compare(24, 8, ".partial") == 0) {
    out.kind = WalFileKind::partial;
  } else if (name.size() == 40 && name[24] == '.' && hex_digits(name, 25, 8) &&
             name.compare(33, 7, ".backup") == 0) {
    out.kind = WalFileKind::backup_history;
  } else {
    return std::nullopt;
  }
  return out;
}

std::optional<Lsn> parse_lsn(const std::string& text) {
  size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash > 8 || text.size() - slash - 1 == 0 ||
      text.size() - slash - 1 > 8)
    return std::nullopt;
  auto hex = [](const std::string& s) -> std::optional<uint64_t> {
    uint64_t v = 0;
    for (char c : s) {
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else return std::nullopt;
      v = v * 16 + static_cast<uint64_t>(d);
    }
    return v;
  };
  auto hi = hex(text.substr(0, slash)), lo = hex(text.substr(slash + 1));
  if (!hi || !lo) return std::nullopt;
  return (*hi << 32) | *lo;
}

std::string format_lsn(Lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

uint64_t segment_number(Lsn lsn, uint64_t segment_size) { return lsn / segment_size; }

std::string segment_file_name(uint32_t timeline, uint64_t segno, uint64_t segment_size) {
  const uint64_t per = segments_per_log(segment_size);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08X%08X%08X", timeline, static_cast<unsigned>(segno / per),
                static_cast<unsigned>(segno % per));
  return buf;
}

uint64_t segment_number(const WalFileName& name, uint64_t segment_size) {
  return static_cast<uint64_t>(name.log) * segments_per_log(segment_size) + name.seg;
}

}  // namespace strata::source::postgres
