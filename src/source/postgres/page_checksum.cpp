// Page checksums (see page_checksum.h). The algorithm is PostgreSQL's: 32
// interleaved FNV-1a-style sums over the page read as 32-bit words (the
// checksum field zeroed), two extra rounds of zeros, the sums xor-ed, xor-ed
// with the block number, reduced to 1..65535.
#include "source/postgres/page_checksum.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace strata::source::postgres {

namespace {

constexpr int kSums = 32;
constexpr uint32_t kPrime = 16777619;
constexpr uint32_t kSeeds[kSums] = {
    0x5B1F36E9, 0xB8525960, 0x02AB50AA, 0x1DE66D2A, 0x79FF467A, 0x9BB9F8A3, 0x217E7CD2, 0x83E13D2C,
    0xF8D4474F, 0xE39EB970, 0x42C6AE16, 0x993216FA, 0x7B093B5D, 0x98DAFF3C, 0xF718902A, 0x0B1C9CDB,
    0xE58F764B, 0x187636BC, 0x5D7B3BB1, 0xE73DE7DE, 0x92BEC979, 0xCCA6C0B2, 0x304A0979, 0x85AA43D4,
    0x783125BB, 0x6CA8EAA2, 0xE407EAC6, 0x4B5CFC3E, 0x9FBF8C76, 0x15CA20BE, 0xF2CA9FD3, 0x959BD756};

inline void mix(uint32_t& sum, uint32_t value) {
  uint32_t t = sum ^ value;
  sum = (t * kPrime) ^ (t >> 17);
}

constexpr size_t kChecksumOffset = 8;  // pd_checksum: after the 8-byte pd_lsn

uint64_t page_lsn(const uint8_t* page) {
  uint32_t hi, lo;  // PageXLogRecPtr: xlogid, xrecoff
  std::memcpy(&hi, page, 4);
  std::memcpy(&lo, page + 4, 4);
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

uint16_t stored_checksum(const uint8_t* page) {
  uint16_t v;
  std::memcpy(&v, page + kChecksumOffset, 2);
  return v;
}

bool all_zero(const uint8_t* page) {
  for (size_t i = 0; i < kPageSize; ++i)
    if (page[i]) return false;
  return true;
}

bool digits(const std::string& s, size_t from, size_t to) {
  if (from >= to) return false;
  for (size_t i = from; i < to; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

std::string hex4(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

}  // namespace

uint16_t page_checksum(const uint8_t* page, uint32_t block) {
  uint32_t sums[kSums];
  std::memcpy(sums, kSeeds, sizeof sums);
  constexpr size_t kRows = kPageSize / (sizeof(uint32_t) * kSums);
  for (size_t row = 0; row < kRows; ++row) {
    for (int j = 0; j < kSums; ++j) {
      const size_t off = (row * kSums + static_cast<size_t>(j)) * 4;
      uint32_t word;
      std::memcpy(&word, page + off, 4);
      if (off == kChecksumOffset) word &= 0xFFFF0000u;  // pd_checksum (low half on little-endian) as zero
      mix(sums[j], word);
    }
  }
  for (int round = 0; round < 2; ++round)
    for (int j = 0; j < kSums; ++j) mix(sums[j], 0);
  uint32_t result = 0;
  for (int j = 0; j < kSums; ++j) result ^= sums[j];
  result ^= block;
  return static_cast<uint16_t>((result % 65535) + 1);
}

int64_t PageChecksumInspector::first_block(const std::string& rel) {
  // base/<db>/<file>, global/<file>, pg_tblspc/<oid>/<version dir>/<db>/<file>
  size_t name_at;
  if (rel.compare(0, 5, "base/") == 0) {
    size_t slash = rel.find('/', 5);
    if (slash == std::string::npos || !digits(rel, 5, slash)) return -1;
    name_at = slash + 1;
  } else if (rel.compare(0, 7, "global/") == 0) {
    name_at = 7;
  } else if (rel.compare(0, 10, "pg_tblspc/") == 0) {
    size_t slash = rel.rfind('/');
    if (slash == std::string::npos || slash < 10) return -1;
    name_at = slash + 1;
  } else {
    return -1;
  }
  const std::string name = rel.substr(name_at);
  if (name.find('/') != std::string::npos) return -1;
  size_t end = 0;
  while (end < name.size() && name[end] >= '0' && name[end] <= '9') ++end;
  if (end == 0) return -1;  // pg_filenode.map, PG_VERSION, t123_456 (temporary), ...
  size_t pos = end;
  for (const char* fork : {"_fsm", "_vm", "_init"})
    if (name.compare(pos, std::strlen(fork), fork) == 0) {
      pos += std::strlen(fork);
      break;
    }
  uint64_t segment = 0;
  if (pos < name.size()) {
    if (name[pos] != '.' || !digits(name, pos + 1, name.size())) return -1;
    segment = std::stoull(name.substr(pos + 1));
  }
  return static_cast<int64_t>(segment * kBlocksPerSegmentFile);
}

// Pages of one file, in the order the backup reads them; a page split across
// two reads is joined in `partial_`.
class PageChecksumInspector::Observer : public FileObserver {
 public:
  Observer(PageChecksumInspector& owner, std::string rel, int fd, uint32_t first_block)
      : owner_(owner), rel_(std::move(rel)), fd_(fd), first_block_(first_block) {}

  void data(uint64_t offset, ByteView bytes) override {
    size_t i = 0;
    if (offset % kPageSize != 0 && partial_.empty()) {  // resynchronise on the next page boundary
      i = static_cast<size_t>(kPageSize - offset % kPageSize);
    }
    while (i < bytes.size()) {
      if (!partial_.empty() || bytes.size() - i < kPageSize) {
        if (partial_.empty()) partial_offset_ = offset + i;
        size_t take = std::min(kPageSize - partial_.size(), bytes.size() - i);
        partial_.insert(partial_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(i),
                        bytes.begin() + static_cast<std::ptrdiff_t>(i + take));
        i += take;
        if (partial_.size() == kPageSize) {
          judge(partial_.data(), partial_offset_);
          partial_.clear();
        }
        continue;
      }
      judge(bytes.data() + i, offset + i);
      i += kPageSize;
    }
  }

  void finish() override { owner_.add(checked_, std::move(errors_)); }

 private:
  bool page_ok(const uint8_t* page, uint32_t block) const {
    if (all_zero(page)) return true;
    if (page_lsn(page) >= owner_.start_) return true;  // rewritten from WAL on recovery
    return page_checksum(page, block) == stored_checksum(page);
  }

  void judge(const uint8_t* page, uint64_t offset) {
    const uint32_t block = first_block_ + static_cast<uint32_t>(offset / kPageSize);
    ++checked_;
    if (page_ok(page, block)) return;
    // Read it again: the server may have been writing it while we read.
    uint8_t again[kPageSize];
    if (::pread(fd_, again, kPageSize, static_cast<off_t>(offset)) == static_cast<ssize_t>(kPageSize) &&
        page_ok(again, block))
      return;
    errors_.push_back(rel_ + " block " + std::to_string(block - first_block_) + ": checksum " +
                      hex4(page_checksum(page, block)) + ", page has " + hex4(stored_checksum(page)));
  }

  PageChecksumInspector& owner_;
  std::string rel_;
  int fd_;
  uint32_t first_block_;
  Bytes partial_;
  uint64_t partial_offset_ = 0;
  uint64_t checked_ = 0;
  std::vector<std::string> errors_;
};

PageChecksumInspector::PageChecksumInspector(std::string pgdata, Lsn backup_start,
                                             std::vector<std::pair<std::string, std::string>> tablespaces)
    : pgdata_(std::move(pgdata)), start_(backup_start), tablespaces_(std::move(tablespaces)) {}

std::unique_ptr<FileObserver> PageChecksumInspector::observe(const std::string& path, int fd) {
  std::string rel;
  if (path.size() > pgdata_.size() + 1 && path.compare(0, pgdata_.size() + 1, pgdata_ + "/") == 0) {
    rel = path.substr(pgdata_.size() + 1);
  } else {
    for (const auto& [root, inside] : tablespaces_)
      if (path.size() > root.size() + 1 && path.compare(0, root.size() + 1, root + "/") == 0)
        rel = inside + path.substr(root.size());
    if (rel.empty()) return nullptr;
  }
  const int64_t first = first_block(rel);
  if (first < 0) return nullptr;
  return std::make_unique<Observer>(*this, rel, fd, static_cast<uint32_t>(first));
}

void PageChecksumInspector::add(uint64_t checked, std::vector<std::string>&& errors) {
  std::lock_guard lock(mu_);
  checked_ += checked;
  for (auto& e : errors) errors_.push_back(std::move(e));
}

uint64_t PageChecksumInspector::pages_checked() const {
  std::lock_guard lock(mu_);
  return checked_;
}

std::vector<std::string> PageChecksumInspector::errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

}  // namespace strata::source::postgres
