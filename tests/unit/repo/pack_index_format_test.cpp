// Pack and index formats: preamble/trailer/header/index encode-parse round trips;
// parsers reject truncation at every length, bad magic, entries outside the blob
// area or with impossible locations, unknown types, trailing bytes and huge
// counts (without allocating for them).
#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "repo/index_format.h"
#include "repo/pack_format.h"
#include "repo_test_util.h"

namespace strata::repo {
namespace {

std::vector<PackEntry> sample_entries(size_t n) {
  std::vector<PackEntry> out;
  uint32_t offset = kPackPreambleSize;
  for (size_t i = 0; i < n; ++i) {
    PackEntry e;
    e.id = crypto::sha256(as_bytes("entry " + std::to_string(i)));
    e.type = i % 2 ? BlobType::tree : BlobType::data;
    e.flags = i % 3 == 0 ? kBlobCompressed : 0;
    e.domain = 0;  // format v1 defines key domain 0 only
    e.offset = offset;
    e.stored_len = static_cast<uint32_t>(28 + i * 1000);
    e.raw_len = static_cast<uint32_t>(i * 2000 + 7);
    offset += e.stored_len;
    out.push_back(e);
  }
  return out;
}

uint64_t data_end_of(const std::vector<PackEntry>& es) {
  uint64_t end = kPackPreambleSize;
  for (const auto& e : es) end += e.stored_len;
  return end;
}

void expect_same(const PackEntry& a, const PackEntry& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.flags, b.flags);
  EXPECT_EQ(a.domain, b.domain);
  EXPECT_EQ(a.offset, b.offset);
  EXPECT_EQ(a.stored_len, b.stored_len);
  EXPECT_EQ(a.raw_len, b.raw_len);
}

TEST(PackFormatTest, PreambleAndTrailer) {
  Bytes pre = pack_preamble();
  ASSERT_EQ(pre.size(), kPackPreambleSize);
  EXPECT_TRUE(check_pack_preamble(pre));
  Bytes bad = pre;
  bad[0] = 'X';
  EXPECT_FALSE(check_pack_preamble(bad));
  bad = pre;
  bad[4] = kPackVersionFramingHash + 1;
  EXPECT_FALSE(check_pack_preamble(bad));
  bad[4] = 0;
  EXPECT_FALSE(check_pack_preamble(bad));
  EXPECT_EQ(pre[4], kPackVersionFramingHash) << "new packs are version 2";
  EXPECT_TRUE(check_pack_preamble(pack_preamble(kPackVersionFullHash)));
  EXPECT_EQ(pack_version_for_format(1), kPackVersionFullHash);
  EXPECT_EQ(pack_version_for_format(2), kPackVersionFramingHash);
  EXPECT_FALSE(check_pack_preamble(ByteView(pre.data(), 4)));

  Bytes t = pack_trailer(123456);
  ASSERT_EQ(t.size(), kPackTrailerSize);
  EXPECT_EQ(parse_pack_trailer(t), 123456u);
  Bytes badt = t;
  badt[7] = 'X';
  EXPECT_EQ(parse_pack_trailer(badt), 0u);
  EXPECT_EQ(parse_pack_trailer(ByteView(t.data(), 7)), 0u);
}

TEST(PackFormatTest, EntryRoundTrip) {
  for (const auto& e : sample_entries(5)) {
    Bytes b;
    encode_pack_entry(e, b);
    ASSERT_EQ(b.size(), kPackEntrySize);
    expect_same(decode_pack_entry(b.data()), e);
  }
}

TEST(PackFormatTest, HeaderRoundTrip) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{7}}) {
    auto es = sample_entries(n);
    Bytes h = encode_pack_header(es);
    EXPECT_EQ(h.size(), 8 + n * kPackEntrySize);
    std::vector<PackEntry> out;
    std::string reason;
    ASSERT_TRUE(parse_pack_header(h, data_end_of(es), out, reason)) << reason;
    ASSERT_EQ(out.size(), n);
    for (size_t i = 0; i < n; ++i) expect_same(out[i], es[i]);
  }
}

TEST(PackFormatTest, HeaderRejectsMalformed) {
  auto es = sample_entries(4);
  Bytes h = encode_pack_header(es);
  uint64_t end = data_end_of(es);
  std::vector<PackEntry> out;
  std::string reason;
  auto rejects = [&](ByteView b, uint64_t data_end) {
    reason.clear();
    bool ok = parse_pack_header(b, data_end, out, reason);
    EXPECT_FALSE(reason.empty() && !ok);
    return !ok;
  };
  for (size_t len = 0; len < h.size(); ++len)
    EXPECT_TRUE(rejects(ByteView(h.data(), len), end)) << "truncated to " << len;
  Bytes trailing = h;
  trailing.push_back(0);
  EXPECT_TRUE(rejects(trailing, end));
  Bytes magic = h;
  magic[3] = '2';
  EXPECT_TRUE(rejects(magic, end));
  EXPECT_EQ(reason, "bad header magic");
  // Blob area shorter or longer than the entries.
  EXPECT_TRUE(rejects(h, end - 1));
  EXPECT_TRUE(rejects(h, end + 1));
  EXPECT_TRUE(rejects(h, 0));
  // Entries out of order / with a gap / too short / unknown type / offset overflow.
  auto with = [&](auto mutate) {
    auto copy = es;
    mutate(copy);
    return encode_pack_header(copy);
  };
  EXPECT_TRUE(rejects(with([](auto& v) { std::swap(v[1], v[2]); }), end));
  EXPECT_TRUE(rejects(with([](auto& v) { v[0].offset += 1; }), end));
  EXPECT_TRUE(rejects(with([](auto& v) { v[0].offset = 0; }), end));
  EXPECT_TRUE(rejects(with([](auto& v) { v[3].stored_len = 27; }), end - (es[3].stored_len - 27)));
  EXPECT_TRUE(rejects(with([](auto& v) { v[2].type = static_cast<BlobType>(2); }), end));
  EXPECT_TRUE(rejects(with([](auto& v) { v[3].stored_len = 0xffffffffu; }), end));
}

TEST(PackFormatTest, HeaderHugeCountWithoutAllocation) {
  for (uint32_t count : {kMaxPackEntries, kMaxPackEntries + 1, 0xffffffffu}) {
    Bytes h{'S', 'P', 'H', '1'};
    put_u32le(h, count);
    std::vector<PackEntry> out;
    std::string reason;
    EXPECT_FALSE(parse_pack_header(h, 1ull << 40, out, reason));
    EXPECT_EQ(out.capacity(), 0u) << "reserved memory for a count the input cannot hold";
  }
}

std::vector<IndexedPack> sample_index() {
  std::vector<IndexedPack> packs(3);
  for (size_t i = 0; i < packs.size(); ++i) {
    packs[i].id = crypto::sha256(as_bytes("pack " + std::to_string(i)));
    packs[i].blobs = sample_entries(i * 2);  // 0, 2, 4 entries
  }
  return packs;
}

TEST(IndexFormatTest, RoundTrip) {
  for (auto packs : {sample_index(), std::vector<IndexedPack>{}}) {
    Bytes b = encode_index(packs);
    std::vector<IndexedPack> out;
    std::string reason;
    ASSERT_TRUE(parse_index(b, out, reason)) << reason;
    ASSERT_EQ(out.size(), packs.size());
    for (size_t i = 0; i < packs.size(); ++i) {
      EXPECT_EQ(out[i].id, packs[i].id);
      ASSERT_EQ(out[i].blobs.size(), packs[i].blobs.size());
      for (size_t j = 0; j < packs[i].blobs.size(); ++j) expect_same(out[i].blobs[j], packs[i].blobs[j]);
    }
    EXPECT_EQ(encode_index(out), b);
  }
}

TEST(IndexFormatTest, RejectsMalformed) {
  Bytes b = encode_index(sample_index());
  std::vector<IndexedPack> out;
  std::string reason;
  for (size_t len = 0; len < b.size(); ++len) {
    reason.clear();
    EXPECT_FALSE(parse_index(ByteView(b.data(), len), out, reason)) << "truncated to " << len;
    EXPECT_FALSE(reason.empty());
  }
  Bytes trailing = b;
  trailing.push_back(0);
  EXPECT_FALSE(parse_index(trailing, out, reason));
  EXPECT_NE(reason.find("trailing"), std::string::npos) << reason;
  Bytes magic = b;
  magic[0] = 'X';
  EXPECT_FALSE(parse_index(magic, out, reason));
  EXPECT_EQ(reason, "bad index magic");

  auto with = [&](auto mutate) {
    auto packs = sample_index();
    mutate(packs);
    return encode_index(packs);
  };
  EXPECT_FALSE(parse_index(with([](auto& p) { p[2].blobs[1].offset = 7; }), out, reason));
  EXPECT_FALSE(parse_index(with([](auto& p) { p[1].blobs[0].stored_len = 27; }), out, reason));
  EXPECT_FALSE(parse_index(with([](auto& p) { p[2].blobs[3].type = static_cast<BlobType>(9); }),
                           out, reason));
  EXPECT_TRUE(parse_index(with([](auto&) {}), out, reason));
}

TEST(IndexFormatTest, HugeCountsWithoutAllocation) {
  std::vector<IndexedPack> out;
  std::string reason;
  Bytes packs_only{'S', 'I', 'X', '1'};
  put_u32le(packs_only, 0xffffffffu);
  EXPECT_FALSE(parse_index(packs_only, out, reason));
  EXPECT_EQ(out.capacity(), 0u);

  for (uint32_t n : {kMaxPackEntries, kMaxPackEntries + 1, 0xffffffffu}) {
    Bytes b{'S', 'I', 'X', '1'};
    put_u32le(b, 1);
    b.resize(b.size() + 32, 0xab);
    put_u32le(b, n);
    b.resize(b.size() + kPackEntrySize, 0);  // one entry's worth of bytes only
    EXPECT_FALSE(parse_index(b, out, reason)) << n;
    EXPECT_TRUE(out.empty());
  }
}

}  // namespace
}  // namespace strata::repo
