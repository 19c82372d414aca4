// Tier decisions by age and dataset, storage class per tier, price lookups.
#include <gtest/gtest.h>

#include "policy/lifecycle.h"

namespace strata::policy {
namespace {

constexpr int64_t kDay = 86400LL * 1000000000;

TEST(Lifecycle, DefaultThresholds) {
  Lifecycle l;
  EXPECT_EQ(l.tier_for("any", 0), Tier::hot);
  EXPECT_EQ(l.tier_for("any", 30 * kDay - 1), Tier::hot);
  EXPECT_EQ(l.tier_for("any", 30 * kDay), Tier::warm);
  EXPECT_EQ(l.tier_for("any", 90 * kDay), Tier::cold);
  EXPECT_EQ(l.tier_for("any", 365 * kDay), Tier::archive);
  EXPECT_EQ(l.class_of(Tier::hot), "STANDARD");
  EXPECT_EQ(l.class_of(Tier::archive), "DEEP_ARCHIVE");
  EXPECT_STREQ(tier_name(Tier::cold), "cold");
}

TEST(Lifecycle, PerDatasetThresholds) {
  Lifecycle l;
  l.per_dataset["pg"] = Thresholds{1 * kDay, 2 * kDay, 3 * kDay};
  EXPECT_EQ(l.tier_for("pg", 2 * kDay + 1), Tier::cold);
  EXPECT_EQ(l.tier_for("files", 2 * kDay + 1), Tier::hot);
}

TEST(Lifecycle, PricesAndRestoreNeeds) {
  Lifecycle l;
  EXPECT_DOUBLE_EQ(l.price("STANDARD").storage_per_gib_month, 0.023);
  EXPECT_GT(l.price("DEEP_ARCHIVE").retrieval_hours, l.price("GLACIER").retrieval_hours);
  EXPECT_DOUBLE_EQ(l.price("SOMETHING_ELSE").storage_per_gib_month, 0.023);  // unknown: as STANDARD
  EXPECT_TRUE(Lifecycle::needs_restore("GLACIER"));
  EXPECT_TRUE(Lifecycle::needs_restore("DEEP_ARCHIVE"));
  EXPECT_FALSE(Lifecycle::needs_restore("STANDARD_IA"));
  EXPECT_FALSE(Lifecycle::needs_restore("GLACIER_IR"));
}

TEST(Lifecycle, DirectoryTierFallsBackToTheNearestHotterDirectory) {
  Lifecycle l;
  EXPECT_EQ(l.directory_tier_of(Tier::archive), "hot");  // no directories: everything stays
  l.directories["cold"] = "/mnt/cold";
  EXPECT_EQ(l.directory_tier_of(Tier::warm), "hot");
  EXPECT_EQ(l.directory_tier_of(Tier::cold), "cold");
  EXPECT_EQ(l.directory_tier_of(Tier::archive), "cold");
  l.directories["archive"] = "/mnt/tape";
  EXPECT_EQ(l.directory_tier_of(Tier::archive), "archive");
  EXPECT_EQ(l.directory_tier_of(Tier::hot), "hot");
}

}  // namespace
}  // namespace strata::policy
