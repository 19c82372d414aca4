// Retention planning: keep-full with dependent diff/incr, keep-diff taking its
// incrs along, the PITR window keeping the chain of the last backup before it,
// the newest backup always kept, WAL removed only before the oldest kept start.
#include "source/postgres/expire.h"

#include <gtest/gtest.h>

namespace strata::source::postgres {
namespace {

constexpr uint64_t kSeg = 16 * 1024 * 1024;
constexpr int64_t kDay = 86400ll * 1'000'000'000;

struct Chain {
  std::vector<PgBackup> backups;
  void add(const std::string& id, BackupType type, const std::string& prior, int64_t day, uint64_t segno) {
    PgBackup b;
    b.snapshot.id = id;
    b.type = type;
    b.prior = prior;
    b.start_ns = day * kDay;
    b.stop_ns = day * kDay + 1000;
    b.start_lsn = segno * kSeg + 40;
    b.stop_lsn = segno * kSeg + 4000;
    b.start_wal = segment_file_name(1, segno, kSeg);
    backups.push_back(b);
  }
  std::string kept(const ExpirePlan& plan) const {
    std::string s;
    for (const auto& d : plan.backups)
      if (d.keep) s += d.backup->snapshot.id + " ";
    return s;
  }
};

std::vector<ArchivedWal> wal(uint64_t from, uint64_t to) {
  std::vector<ArchivedWal> out;
  for (uint64_t s = from; s <= to; ++s) out.push_back({*parse_wal_file_name(segment_file_name(1, s, kSeg)), 100, 0});
  out.push_back({*parse_wal_file_name("00000002.history"), 10, 0});
  return out;
}

Chain sample() {
  Chain c;
  c.add("f1", BackupType::full, "", 1, 2);
  c.add("i1", BackupType::incr, "f1", 2, 4);
  c.add("d1", BackupType::diff, "f1", 3, 6);
  c.add("i2", BackupType::incr, "d1", 4, 8);
  c.add("f2", BackupType::full, "", 5, 10);
  c.add("d2", BackupType::diff, "f2", 6, 12);
  c.add("i3", BackupType::incr, "d2", 7, 14);
  return c;
}

TEST(ExpireTest, KeepFullKeepsItsChainAndTheWalFromItsStart) {
  Chain c = sample();
  auto plan = plan_expire(c.backups, wal(1, 15), {1, 0, 0}, 8 * kDay, kSeg);
  EXPECT_EQ(c.kept(plan), "f2 d2 i3 ");
  ASSERT_EQ(plan.wal_remove.size(), 9u);  // segments 1..9; the history file stays
  EXPECT_EQ(plan.wal_kept_from, segment_file_name(1, 10, kSeg));
  for (const auto& f : plan.wal_remove) EXPECT_NE(f.file.kind, WalFileKind::history);
  EXPECT_EQ(c.kept(plan_expire(c.backups, wal(1, 15), {2, 0, 0}, 8 * kDay, kSeg)), "f1 i1 d1 i2 f2 d2 i3 ");
}

TEST(ExpireTest, KeepDiffTakesItsIncrsAlong) {
  Chain c = sample();
  auto plan = plan_expire(c.backups, wal(1, 15), {2, 1, 0}, 8 * kDay, kSeg);
  EXPECT_EQ(c.kept(plan), "f1 i1 f2 d2 i3 ");
  for (const auto& d : plan.backups)
    if (d.backup->snapshot.id == "i2") {
      EXPECT_EQ(d.why, "its diff backup expires");
    }
}

TEST(ExpireTest, PitrWindowKeepsTheChainOfTheLastBackupBeforeIt) {
  Chain c = sample();
  // Window of 4.5 days before day 8: starts in day 3.5, so d1 (day 3) is the
  // last backup before it and d1 with its full f1 stay; i1 is not needed.
  auto plan = plan_expire(c.backups, wal(1, 15), {1, 0, 4 * kDay + kDay / 2}, 8 * kDay, kSeg);
  EXPECT_EQ(c.kept(plan), "f1 d1 i2 f2 d2 i3 ");
  EXPECT_EQ(plan.wal_kept_from, segment_file_name(1, 2, kSeg));
}

TEST(ExpireTest, RefusesToKeepNothing) {
  Chain c = sample();
  EXPECT_THROW(plan_expire(c.backups, wal(1, 15), {0, 0, 0}, 8 * kDay, kSeg), Error);
}

}  // namespace
}  // namespace strata::source::postgres
