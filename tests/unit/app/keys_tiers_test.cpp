// Key slots and tier planning through the use cases.
#include <gtest/gtest.h>

#include "app/backup.h"
#include "app/keys.h"
#include "app/tier.h"
#include "app_fixture.h"

namespace strata::app {
namespace {

using testing::AppTest;

crypto::Argon2Params cheap_kdf() {
  crypto::Argon2Params kdf;
  kdf.memory_kib = 64;  // >= 8 x parallelism
  kdf.time_cost = 1;
  return kdf;
}

TEST_F(AppTest, KeySlotsCannotLockTheOperatorOut) {
  auto repo = open_repository(access_, job_);
  auto slots = list_key_slots(*repo);
  ASSERT_EQ(slots.size(), 1u);
  EXPECT_TRUE(slots[0].current);
  try {
    remove_key_slot(*repo, slots[0].id.substr(0, 8));
    FAIL() << "the slot in use must not be removable";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
  const std::string pw = write_file("pw", "correct horse\n");
  const std::string id = add_key_slot(*repo, pw, "", "second", cheap_kdf(), clock_.now_ns());
  EXPECT_EQ(list_key_slots(*repo).size(), 2u);
  EXPECT_EQ(remove_key_slot(*repo, id.substr(0, 10)), id);
  try {
    remove_key_slot(*repo, "ffffffff");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::not_found);
  }
  EXPECT_THROW(add_key_slot(*repo, pw, dir_ + "/k", "both", cheap_kdf(), clock_.now_ns()), Error);
}

TEST_F(AppTest, AGeneratedKeyFileOpensTheRepository) {
  auto repo = open_repository(access_, job_);
  const std::string key = dir_ + "/second.key";
  add_key_slot(*repo, "", key, "second", cheap_kdf(), clock_.now_ns());
  RepositoryAccess other = access_;
  other.key_file = key;
  EXPECT_NO_THROW(open_repository(other, job_));
  other.key_file = dir_ + "/repo.key-missing";
  EXPECT_THROW(open_repository(other, job_), Error);
}

TEST_F(AppTest, TierPlanMovesPacksByTheAgeOfTheirNewestSnapshot) {
  write_file("src/data", std::string(200000, 'x'));
  BackupRequest b;
  b.access = access_;
  b.paths = {dir_ + "/src"};
  b.recorded_time_ns = clock_.now_ns();
  backup(b, job_);
  policy::Lifecycle lifecycle;
  lifecycle.directories = {{"warm", dir_ + "/warm"}, {"cold", dir_ + "/cold"}, {"archive", dir_ + "/archive"}};
  auto repo = open_repository(access_, job_);
  repo->load_index();
  auto snaps = load_snapshots_logged(*repo);
  auto young = plan_tier_moves(*repo, snaps, lifecycle, clock_.now_ns());
  EXPECT_TRUE(young.moves.empty()) << "a new snapshot's packs stay hot";
  clock_.advance_seconds(400LL * 86400);
  auto old = plan_tier_moves(*repo, snaps, lifecycle, clock_.now_ns());
  ASSERT_FALSE(old.moves.empty()) << "a year-old snapshot's data packs leave the hot tier";
  for (const auto& m : old.moves) EXPECT_EQ(m.from, "hot");
  auto stats = tier_stats(*repo, snaps, lifecycle);
  EXPECT_GT(stats.classes.at("local").bytes, 0u);
}

}  // namespace
}  // namespace strata::app
