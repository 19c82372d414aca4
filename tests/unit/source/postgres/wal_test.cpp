// WAL names, LSN arithmetic, first-page header checks of segments, and recovery
// target time parsing.
#include <gtest/gtest.h>

#include <cstring>

#include "source/postgres/page_checksum.h"
#include "source/postgres/pg_restore.h"
#include "source/postgres/wal_header.h"
#include "source/postgres/wal_names.h"

namespace strata::source::postgres {
namespace {

constexpr uint64_t kSeg = 16 * 1024 * 1024;

TEST(WalNamesTest, ParsesEveryKind) {
  auto s = parse_wal_file_name("00000002000000010000003F");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, WalFileKind::segment);
  EXPECT_EQ(s->timeline, 2u);
  EXPECT_EQ(segment_number(*s, kSeg), 0x100u + 0x3F);
  EXPECT_EQ(parse_wal_file_name("00000002.history")->kind, WalFileKind::history);
  EXPECT_EQ(parse_wal_file_name("000000010000000000000002.00000028.backup")->kind, WalFileKind::backup_history);
  EXPECT_EQ(parse_wal_file_name("000000010000000000000002.partial")->kind, WalFileKind::partial);
  for (const char* bad : {"", "00000001", "0000000100000000000000zz", "000000000000000000000001",
                          "000000010000000000000002.foo", "RECOVERYXLOG", "00000001.history.x",
                          "00000000.history", "00000001000000000000000a"})
    EXPECT_FALSE(parse_wal_file_name(bad)) << bad;
}

TEST(WalNamesTest, LsnRoundTripAndSegments) {
  EXPECT_EQ(*parse_lsn("16/B374D848"), 0x16B374D848ull);
  EXPECT_EQ(format_lsn(0x16B374D848ull), "16/B374D848");
  EXPECT_FALSE(parse_lsn("16B374D848"));
  EXPECT_FALSE(parse_lsn("/1"));
  EXPECT_FALSE(parse_lsn("1/123456789"));
  EXPECT_EQ(segment_file_name(1, segment_number(*parse_lsn("0/3000060"), kSeg), kSeg), "000000010000000000000003");
  EXPECT_EQ(segment_file_name(1, 0x100, kSeg), "000000010000000100000000");
  // 64 MiB segments: 64 per log id.
  EXPECT_EQ(segment_file_name(3, 65, 64ull << 20), "000000030000000100000001");
}

Bytes segment(uint32_t tli, uint64_t segno, uint64_t sysid, uint16_t magic = 0xD110) {
  Bytes d(kSeg, 0);
  uint16_t info = 0x0002;
  uint64_t addr = segno * kSeg;
  uint32_t seg = static_cast<uint32_t>(kSeg), blk = 8192;
  std::memcpy(&d[0], &magic, 2);
  std::memcpy(&d[2], &info, 2);
  std::memcpy(&d[4], &tli, 4);
  std::memcpy(&d[8], &addr, 8);
  std::memcpy(&d[24], &sysid, 8);
  std::memcpy(&d[32], &seg, 4);
  std::memcpy(&d[36], &blk, 4);
  return d;
}

TEST(WalHeaderTest, AcceptsOnlyThisClustersSegment) {
  WalExpectations e{777, kSeg, 150018};
  auto name = *parse_wal_file_name("000000010000000000000005");
  EXPECT_EQ(check_wal_segment(name, segment(1, 5, 777), e), "");
  EXPECT_NE(check_wal_segment(name, segment(1, 5, 778), e).find("database system 778"), std::string::npos);
  EXPECT_NE(check_wal_segment(name, segment(2, 5, 777), e).find("timeline 2"), std::string::npos);
  EXPECT_NE(check_wal_segment(name, segment(1, 6, 777), e).find("starts at LSN"), std::string::npos);
  EXPECT_NE(check_wal_segment(name, segment(1, 5, 777, 0xD113), e).find("page magic"), std::string::npos);
  Bytes shortened = segment(1, 5, 777);
  shortened.resize(8192);
  EXPECT_NE(check_wal_segment(name, shortened, e).find("is 8192 bytes"), std::string::npos);
  Bytes zeros(kSeg, 0);
  EXPECT_NE(check_wal_segment(name, zeros, e), "");
}

TEST(TargetTimeTest, ParsesZonesAndFractions) {
  auto base = parse_target_time("2026-12-01 10:00:05");
  ASSERT_TRUE(base);
  EXPECT_EQ(*parse_target_time("2026-12-01T10:00:05Z"), *base);
  EXPECT_EQ(*parse_target_time("2026-12-01 12:00:05+02"), *base);
  EXPECT_EQ(*parse_target_time("2026-12-01 04:30:05-05:30"), *base);
  EXPECT_EQ(*parse_target_time("2026-12-01 10:00:05.25"), *base + 250'000'000);
  EXPECT_EQ(*base, 1796119205ll * 1'000'000'000);
  for (const char* bad : {"yesterday", "2026-12-01", "2026-13-01 00:00:00", "2026-12-01 10:00:05 PST", "2026-12-01 10:00:05+2"})
    EXPECT_FALSE(parse_target_time(bad)) << bad;
}

}  // namespace
}  // namespace strata::source::postgres

namespace strata::source::postgres {
namespace {

TEST(PageChecksumTest, RelationFileNames) {
  EXPECT_EQ(PageChecksumInspector::first_block("base/5/16384"), 0);
  EXPECT_EQ(PageChecksumInspector::first_block("base/5/16384.2"), 2 * 131072);
  EXPECT_EQ(PageChecksumInspector::first_block("base/5/16384_fsm"), 0);
  EXPECT_EQ(PageChecksumInspector::first_block("base/5/16384_vm.1"), 131072);
  EXPECT_EQ(PageChecksumInspector::first_block("global/1262"), 0);
  EXPECT_EQ(PageChecksumInspector::first_block("pg_tblspc/16400/PG_15_202209061/5/16401"), 0);
  for (const char* no : {"base/5/pg_filenode.map", "base/5/PG_VERSION", "base/5/t3_16390", "global/pg_control",
                         "pg_wal/000000010000000000000001", "base/x/16384", "base/5/16384.x", "base/5/16384_foo"})
    EXPECT_EQ(PageChecksumInspector::first_block(no), -1) << no;
}

TEST(PageChecksumTest, DependsOnContentAndBlockNotOnStoredField) {
  std::vector<uint8_t> page(kPageSize, 0);
  for (size_t i = 0; i < page.size(); ++i) page[i] = static_cast<uint8_t>(i * 7);
  uint16_t c0 = page_checksum(page.data(), 0);
  EXPECT_NE(c0, page_checksum(page.data(), 1));
  page[8] ^= 0xff;  // pd_checksum itself does not count
  page[9] ^= 0xff;
  EXPECT_EQ(c0, page_checksum(page.data(), 0));
  page[100] ^= 1;
  EXPECT_NE(c0, page_checksum(page.data(), 0));
  EXPECT_NE(page_checksum(page.data(), 0), 0);  // never 0: that means "no checksum"
}

}  // namespace
}  // namespace strata::source::postgres
