// DirectFileWriter (see direct_file_writer.h).
#include "source/direct_file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/posix_io.h"

namespace strata::source {
namespace {

constexpr uint64_t kBlock = DirectFileWriter::kBlock;

// True when `fd` was in direct-I/O mode and now is not.
bool drop_direct_io(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && (flags & O_DIRECT) && ::fcntl(fd, F_SETFL, flags & ~O_DIRECT) == 0;
}

// pwrite of an aligned buffer at an aligned offset. Where direct I/O is refused
// (EINVAL: a file system or device without it), this fd continues through the page
// cache and the blocks are written again at the same offsets; the data are the
// same either way.
int pwrite_blocks(int fd, const uint8_t* p, size_t n, uint64_t offset) {
  int err = posix::pwrite_all(fd, ByteView(p, n), offset);
  if (err == EINVAL && drop_direct_io(fd)) err = posix::pwrite_all(fd, ByteView(p, n), offset);
  return err;
}

}  // namespace

AlignedBuffer DirectFileWriter::add_to_edge(uint64_t index, uint64_t in_block,
                                                              const uint8_t* p, uint64_t len) {
  const uint64_t start = index * kBlock;
  const uint64_t needed = start < size_ ? std::min(kBlock, size_ - start) : kBlock;
  std::lock_guard<std::mutex> lock(mu_);
  Edge& e = edges_[index];
  if (!e.block) {
    e.block = AlignedBuffer(kBlock);
    if (!e.block) throw std::bad_alloc();
    std::memset(e.block.get(), 0, kBlock);
  }
  std::memcpy(e.block.get() + in_block, p, len);
  e.filled += len;
  if (e.filled < needed) return AlignedBuffer();
  AlignedBuffer done = std::move(e.block);
  edges_.erase(index);
  return done;
}

int DirectFileWriter::write(int fd, ByteView data, uint64_t offset) {
  const uint64_t end = offset + data.size();
  const uint64_t first_whole = (offset + kBlock - 1) / kBlock * kBlock;
  const uint64_t last_whole = end / kBlock * kBlock;
  // Partial blocks at the ends (one when the data lies inside a single block).
  auto edge = [&](uint64_t from, uint64_t to) -> int {
    if (from >= to) return 0;
    uint64_t index = from / kBlock;
    AlignedBuffer block = add_to_edge(index, from - index * kBlock, data.data() + (from - offset), to - from);
    return block ? pwrite_blocks(fd, block.get(), kBlock, index * kBlock) : 0;
  };
  if (first_whole >= last_whole) {
    if (end <= first_whole) return edge(offset, end);  // within one block
    if (int err = edge(offset, first_whole); err != 0) return err;
    return edge(first_whole, end);
  }
  if (int err = edge(offset, first_whole); err != 0) return err;
  // Whole blocks through a per-thread aligned buffer, a megabyte at a time.
  constexpr size_t kSlice = 1024 * 1024;
  thread_local AlignedBuffer slice(kSlice);
  if (!slice) return ENOMEM;
  for (uint64_t at = first_whole; at < last_whole;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kSlice, last_whole - at));
    std::memcpy(slice.get(), data.data() + (at - offset), n);
    if (int err = pwrite_blocks(fd, slice.get(), n, at); err != 0) return err;
    at += n;
  }
  return edge(last_whole, end);
}

int DirectFileWriter::finish(int fd) {
  std::unordered_map<uint64_t, Edge> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    left.swap(edges_);
  }
  for (auto& [index, e] : left)
    if (int err = pwrite_blocks(fd, e.block.get(), kBlock, index * kBlock); err != 0) return err;
  return posix::ftruncate_fd(fd, size_);
}

}  // namespace strata::source
