// Writes a restored file's content with O_DIRECT. Blobs of one file arrive in pack
// order, from several threads, at arbitrary (content-defined) offsets; direct I/O
// needs whole 4 KiB blocks from aligned memory. So each blob's whole blocks go
// straight to the disk, and the partial blocks at its two ends are assembled in
// memory until the neighbouring blobs have filled them, then written whole.
// Why: on virtual machines the kernel's copy into freshly allocated page-cache
// pages (and zeroing them) is the largest cost of a restore; direct writes skip it
// and leave the page cache to the workload the machine is there to run.
#pragma once
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "common/aligned_buffer.h"
#include "common/bytes.h"

namespace strata::source {

class DirectFileWriter {
 public:
  static constexpr uint64_t kBlock = kDirectIoAlign;

  explicit DirectFileWriter(uint64_t size) : size_(size) {}

  // Writes `data`, the file's bytes at `offset`, through `fd` (opened with
  // O_DIRECT; where the file system refuses a direct write, that fd falls back to
  // the page cache). Thread-safe; ranges of different calls never overlap.
  // Returns 0 or the errno of the failing write.
  int write(int fd, ByteView data, uint64_t offset);

  // After the last write of the file: writes any block still partly assembled
  // (only when some content never arrived) and sets the file's exact size (a last
  // partial block was written whole). Returns 0 or errno.
  int finish(int fd);

 private:
  struct Edge {
    AlignedBuffer block;
    uint64_t filled = 0;
  };
  // Copies `len` bytes into block `index` at `in_block`; returns the block once
  // every byte it needs is there (then it is no longer held here).
  AlignedBuffer add_to_edge(uint64_t index, uint64_t in_block, const uint8_t* p, uint64_t len);

  const uint64_t size_;
  std::mutex mu_;
  std::unordered_map<uint64_t, Edge> edges_;
};

}  // namespace strata::source
