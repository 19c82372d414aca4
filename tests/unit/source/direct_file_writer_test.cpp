// DirectFileWriter: pieces at arbitrary offsets, in any order, from several threads,
// written with O_DIRECT, must give exactly the file's bytes and size — including
// pieces smaller than a block, pieces inside one block, and a last partial block.
#include "source/direct_file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "storage/temp_dir.h"

namespace strata::source {
namespace {

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Range {
  uint64_t offset, length;
};

// Cuts [0, size) into pieces of random lengths (some tiny, some large).
std::vector<Range> cut(uint64_t size, std::mt19937_64& rng) {
  std::vector<Range> out;
  for (uint64_t at = 0; at < size;) {
    uint64_t len;
    switch (rng() % 4) {
      case 0: len = 1 + rng() % 100; break;
      case 1: len = 1 + rng() % 5000; break;
      default: len = 1 + rng() % 300000; break;
    }
    len = std::min(len, size - at);
    out.push_back({at, len});
    at += len;
  }
  return out;
}

void restore_in_pieces(const std::string& path, const Bytes& content, std::vector<Range> pieces,
                       unsigned threads) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(content.size())), 0);
  ::close(fd);
  DirectFileWriter writer(content.size());
  std::atomic<size_t> next{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i; (i = next++) < pieces.size();) {
        int f = ::open(path.c_str(), O_WRONLY | O_DIRECT);
        if (f < 0) f = ::open(path.c_str(), O_WRONLY);  // a file system without direct I/O
        const Range& r = pieces[i];
        if (writer.write(f, ByteView(content.data() + r.offset, r.length), r.offset) != 0) errors++;
        ::close(f);
      }
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_EQ(errors.load(), 0);
  fd = ::open(path.c_str(), O_WRONLY | O_DIRECT);
  if (fd < 0) fd = ::open(path.c_str(), O_WRONLY);
  EXPECT_EQ(writer.finish(fd), 0);
  ::close(fd);
}

TEST(DirectFileWriterTest, PiecesInAnyOrderFromSeveralThreadsGiveTheExactFile) {
  storage::testing::TempDir dir;
  std::mt19937_64 rng(42);
  for (uint64_t size : {uint64_t{1}, uint64_t{4095}, uint64_t{4096}, uint64_t{4097},
                        uint64_t{1024 * 1024}, uint64_t{3 * 1024 * 1024 + 1234}}) {
    Bytes content(size);
    for (auto& b : content) b = static_cast<uint8_t>(rng());
    auto pieces = cut(size, rng);
    std::shuffle(pieces.begin(), pieces.end(), rng);
    std::string path = dir.path() + "/f" + std::to_string(size);
    restore_in_pieces(path, content, pieces, 3);
    EXPECT_EQ(read_file(path), content) << "size " << size << ", " << pieces.size() << " pieces";
  }
}

TEST(DirectFileWriterTest, PiecesInOrderAndBlockAlignedPieces) {
  storage::testing::TempDir dir;
  Bytes content(5 * 4096 + 17);
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<uint8_t>(i * 31 + 7);
  std::vector<Range> pieces = {{0, 4096}, {4096, 8192}, {12288, 100}, {12388, 4096 * 2 - 100 + 17}};
  restore_in_pieces(dir.path() + "/g", content, pieces, 1);
  EXPECT_EQ(read_file(dir.path() + "/g"), content);
}

TEST(DirectFileWriterTest, WriteErrorIsReturned) {
  storage::testing::TempDir dir;
  std::string path = dir.path() + "/ro";
  ::close(::open(path.c_str(), O_WRONLY | O_CREAT, 0600));
  int fd = ::open(path.c_str(), O_RDONLY);  // writes fail with EBADF
  DirectFileWriter writer(3 * 4096);
  Bytes data(3 * 4096, 1);
  EXPECT_EQ(writer.write(fd, data, 0), EBADF);
  ::close(fd);
}

}  // namespace
}  // namespace strata::source
