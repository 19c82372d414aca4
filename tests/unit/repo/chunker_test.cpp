// Chunker: keyed FastCDC boundaries — deterministic for one key, different for
// another key, min/avg/max respected on random data, resistance to an insertion at
// the start (most chunks survive a shift), cut() == n for n <= min, parameter checks.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "repo/chunker.h"
#include "repo_test_util.h"

namespace strata::repo {
namespace {

using testing::random_data;

const ChunkerParams kSmall{4 * 1024, 16 * 1024, 64 * 1024};

std::vector<size_t> chunk_lengths(const Chunker& c, ByteView data) {
  std::vector<size_t> out;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t n = c.cut(data.data() + pos, data.size() - pos);
    EXPECT_GT(n, 0u);
    if (n == 0) break;
    out.push_back(n);
    pos += n;
  }
  return out;
}

std::multiset<std::string> chunk_hashes(const Chunker& c, ByteView data) {
  std::multiset<std::string> out;
  size_t pos = 0;
  for (size_t n : chunk_lengths(c, data)) {
    out.insert(to_hex(crypto::sha256(data.subspan(pos, n))));
    pos += n;
  }
  return out;
}

TEST(ChunkerTest, DeterministicForTheSameKey) {
  Bytes data = random_data(2 << 20, 1);
  Chunker a(kSmall, as_bytes("key one")), b(kSmall, as_bytes("key one"));
  auto la = chunk_lengths(a, data);
  EXPECT_EQ(la, chunk_lengths(b, data));
  EXPECT_EQ(la, chunk_lengths(a, data));
  EXPECT_GT(la.size(), 20u);
}

TEST(ChunkerTest, BoundariesDependOnTheKey) {
  Bytes data = random_data(2 << 20, 2);
  Chunker a(kSmall, as_bytes("key one")), b(kSmall, as_bytes("key two"));
  auto la = chunk_lengths(a, data), lb = chunk_lengths(b, data);
  EXPECT_NE(la, lb);
  // Not just a different last chunk: most cut positions differ.
  std::set<size_t> ca, cb;
  size_t p = 0;
  for (size_t n : la) ca.insert(p += n);
  p = 0;
  for (size_t n : lb) cb.insert(p += n);
  size_t common = 0;
  for (size_t x : ca) common += cb.count(x);
  EXPECT_LT(common, ca.size() / 4) << "keys should give unrelated boundaries";
}

TEST(ChunkerTest, RespectsMinAvgMaxOnRandomData) {
  Bytes data = random_data(64 << 20, 3);
  Chunker c(kSmall, as_bytes("sizes"));
  auto lens = chunk_lengths(c, data);
  ASSERT_FALSE(lens.empty());
  size_t total = 0;
  for (size_t i = 0; i < lens.size(); ++i) {
    total += lens[i];
    EXPECT_LE(lens[i], kSmall.max_size) << "chunk " << i;
    if (i + 1 < lens.size()) {
      EXPECT_GE(lens[i], kSmall.min_size) << "chunk " << i;
    }
  }
  EXPECT_EQ(total, data.size());
  double avg = static_cast<double>(data.size()) / lens.size();
  EXPECT_GT(avg, kSmall.avg_size / 2.0);
  EXPECT_LT(avg, kSmall.avg_size * 2.0);
}

TEST(ChunkerTest, DefaultParamsRespectMax) {
  // Constant data gives a constant gear hash: chunks are either all cut at the same
  // spot or at max_size; never longer.
  ChunkerParams p{64 * 1024, 128 * 1024, 512 * 1024};
  Chunker c(p, as_bytes("zeros"));
  Bytes zeros(3 * 512 * 1024 + 100, 0);
  for (size_t n : chunk_lengths(c, zeros)) EXPECT_LE(n, p.max_size);
}

TEST(ChunkerTest, ShiftResistance) {
  Bytes data = random_data(8 << 20, 4);
  Bytes shifted = random_data(100, 5);
  shifted.insert(shifted.end(), data.begin(), data.end());
  Chunker c(kSmall, as_bytes("shift"));
  auto before = chunk_hashes(c, data), after = chunk_hashes(c, shifted);
  size_t kept = 0;
  for (const auto& h : before) kept += after.count(h) ? 1 : 0;
  EXPECT_GE(kept + 5, before.size()) << kept << " of " << before.size() << " chunks survived";
  EXPECT_GE(kept * 100, before.size() * 95);
}

TEST(ChunkerTest, CutReturnsNWhenAtMostMin) {
  Chunker c(kSmall, as_bytes("short"));
  Bytes data = random_data(kSmall.min_size, 6);
  for (size_t n : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{4095}, size_t{4096}})
    EXPECT_EQ(c.cut(data.data(), n), n);
  Bytes more = random_data(kSmall.min_size + 1, 7);
  size_t n = c.cut(more.data(), more.size());
  EXPECT_GE(n, 1u);
  EXPECT_LE(n, more.size());
}

TEST(ChunkerTest, NeverMoreThanMaxOrN) {
  Chunker c(kSmall, as_bytes("bounds"));
  Bytes data = random_data(200 * 1024, 8);
  for (size_t n : {size_t{5000}, size_t{20000}, size_t{64 * 1024}, size_t{64 * 1024 + 1},
                   data.size()}) {
    size_t k = c.cut(data.data(), n);
    EXPECT_LE(k, n);
    EXPECT_LE(k, kSmall.max_size);
    EXPECT_GT(k, kSmall.min_size);
  }
}

// The backup reads files piecewise and cuts in what it has so far: a boundary found
// in a prefix must be the boundary of the whole input, and "none found" must be
// reported as n.
TEST(ChunkerTest, PrefixesAgreeWithTheWholeInput) {
  Chunker c(kSmall, as_bytes("key"));
  Bytes data = random_data(4 * 64 * 1024, 5);
  size_t pos = 0;
  while (pos < data.size()) {
    size_t rest = data.size() - pos;
    size_t whole = c.cut(data.data() + pos, rest);
    for (size_t n = 1; n <= std::min<size_t>(rest, kSmall.max_size); n += 997) {
      size_t part = c.cut(data.data() + pos, n);
      if (whole <= n && whole < rest) EXPECT_EQ(part, whole) << "prefix " << n;
      else EXPECT_EQ(part, n) << "prefix " << n;  // no boundary inside the prefix
    }
    pos += whole;
  }
}

TEST(ChunkerTest, RejectsInvalidParams) {
  auto bad = [](ChunkerParams p) {
    return testing::code_of([&] { Chunker c(p, as_bytes("k")); });
  };
  EXPECT_EQ(bad({4096, 12000, 65536}), ExitCode::usage);  // avg not a power of two
  EXPECT_EQ(bad({16384, 16384, 65536}), ExitCode::usage);  // min == avg
  EXPECT_EQ(bad({4096, 16384, 16384}), ExitCode::usage);   // avg == max
  EXPECT_EQ(bad({32, 16384, 65536}), ExitCode::usage);     // min < 64
  EXPECT_EQ(bad({4096, 0, 65536}), ExitCode::usage);
  EXPECT_EQ(bad(kSmall), ExitCode::ok);
}

}  // namespace
}  // namespace strata::repo
