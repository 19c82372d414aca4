// PostgreSQL data page checksums (clusters initialised with --data-checksums):
// the 16-bit checksum of an 8 KiB page, and the check of every page of the
// relation files a backup reads, so that a backup reports corrupt pages by
// relation file and block while it copies them — the same validation the
// server itself does when it reads a page.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "source/fs_backup.h"
#include "source/postgres/wal_names.h"

namespace strata::source::postgres {

constexpr size_t kPageSize = 8192;
constexpr uint32_t kBlocksPerSegmentFile = 131072;  // 1 GiB relation segment files

// The checksum PostgreSQL stores in pd_checksum for `page` (kPageSize bytes) at
// block number `block` of its relation fork (the stored checksum field itself
// is treated as zero).
uint16_t page_checksum(const uint8_t* page, uint32_t block);

// Inspects the relation files below a data directory as the backup reads them.
// Pages that are all zeros (newly extended) and pages whose LSN is at or after
// the backup's start (written during the copy: WAL replay rewrites them) are
// not judged; a mismatch is re-read once before it is reported (a page the
// server was writing at that moment).
class PageChecksumInspector : public ContentInspector {
 public:
  // `tablespaces`: directories outside the data directory and the name they
  // have inside it ("/srv/ts1" -> "pg_tblspc/16390").
  PageChecksumInspector(std::string pgdata, Lsn backup_start,
                        std::vector<std::pair<std::string, std::string>> tablespaces = {});
  std::unique_ptr<FileObserver> observe(const std::string& path, int fd) override;

  uint64_t pages_checked() const;
  std::vector<std::string> errors() const;  // "base/5/16384 block 7: checksum 0x1a2b, page has 0x3c4d"

  // The block number of a relation file's first page from its name
  // ("16384.3" -> 3 * 131072), or -1 when `relative` (to the data directory)
  // is not a relation file whose pages carry checksums.
  static int64_t first_block(const std::string& relative);

 private:
  class Observer;
  void add(uint64_t checked, std::vector<std::string>&& errors);
  std::string pgdata_;
  Lsn start_;
  std::vector<std::pair<std::string, std::string>> tablespaces_;
  mutable std::mutex mu_;
  uint64_t checked_ = 0;
  std::vector<std::string> errors_;
};

}  // namespace strata::source::postgres
