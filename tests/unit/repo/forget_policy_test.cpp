// Retention (forget) policy: keep-last, keep-hourly/daily/weekly/monthly/yearly
// over snapshots at different times (newest of each period), keep-within relative
// to the newest snapshot, keep-tag, combined reasons, newest-first output for
// input in any order, empty policies and groups, group keys.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>

#include "repo/forget_policy.h"

namespace strata::repo {
namespace {

constexpr int64_t kSec = 1000000000LL;
constexpr int64_t kHour = 3600 * kSec;
constexpr int64_t kDay = 24 * kHour;
// 2024-01-01T00:00:00Z (a Monday).
constexpr int64_t kJan1 = 1704067200LL * kSec;

class ForgetPolicyTest : public ::testing::Test {
 protected:
  const Snapshot* add(int64_t t, std::vector<std::string> tags = {}) {
    Snapshot s;
    s.id = "snap" + std::to_string(store_.size());
    s.time_ns = t;
    s.host = "h";
    s.paths = {"/data"};
    s.tags = std::move(tags);
    store_.push_back(s);
    return &store_.back();
  }
  std::vector<const Snapshot*> group() const {
    std::vector<const Snapshot*> g;
    for (const auto& s : store_) g.push_back(&s);
    std::reverse(g.begin(), g.end());
    std::rotate(g.begin(), g.begin() + g.size() / 2, g.end());  // any order
    return g;
  }
  static std::vector<std::string> kept(const std::vector<ForgetDecision>& ds) {
    std::vector<std::string> out;
    for (const auto& d : ds)
      if (d.keep) out.push_back(d.snapshot->id);
    return out;
  }
  static const ForgetDecision& of(const std::vector<ForgetDecision>& ds, const Snapshot* s) {
    for (const auto& d : ds)
      if (d.snapshot == s) return d;
    throw std::runtime_error("no decision");
  }

  std::deque<Snapshot> store_;  // stable addresses
};

TEST_F(ForgetPolicyTest, KeepLast) {
  for (int i = 0; i < 5; ++i) add(kJan1 + i * kHour);
  KeepPolicy p;
  p.last = 2;
  auto ds = apply_keep_policy(group(), p);
  ASSERT_EQ(ds.size(), 5u);
  for (size_t i = 1; i < ds.size(); ++i) EXPECT_GT(ds[i - 1].snapshot->time_ns, ds[i].snapshot->time_ns);
  EXPECT_EQ(kept(ds), (std::vector<std::string>{"snap4", "snap3"}));
  EXPECT_EQ(ds[0].reasons, std::vector<std::string>{"last"});
  EXPECT_TRUE(ds[2].reasons.empty());
  p.last = 10;
  EXPECT_EQ(kept(apply_keep_policy(group(), p)).size(), 5u);
}

TEST_F(ForgetPolicyTest, KeepDailyKeepsNewestPerDay) {
  auto d1a = add(kJan1 + 8 * kHour), d1b = add(kJan1 + 20 * kHour);
  auto d2 = add(kJan1 + kDay + 10 * kHour);
  auto d4a = add(kJan1 + 3 * kDay + 1 * kHour), d4b = add(kJan1 + 3 * kDay + 23 * kHour);
  auto d5 = add(kJan1 + 4 * kDay + 12 * kHour);
  KeepPolicy p;
  p.daily = 3;
  auto ds = apply_keep_policy(group(), p);
  EXPECT_TRUE(of(ds, d5).keep);
  EXPECT_TRUE(of(ds, d4b).keep);
  EXPECT_FALSE(of(ds, d4a).keep) << "older snapshot of the same day";
  EXPECT_TRUE(of(ds, d2).keep) << "days without snapshots do not count";
  EXPECT_FALSE(of(ds, d1a).keep);
  EXPECT_FALSE(of(ds, d1b).keep);
  EXPECT_EQ(of(ds, d2).reasons, std::vector<std::string>{"daily"});
}

TEST_F(ForgetPolicyTest, DayBoundaryIsUtcMidnight) {
  auto before = add(kJan1 - kSec), after = add(kJan1);
  KeepPolicy p;
  p.daily = 2;
  auto ds = apply_keep_policy(group(), p);
  EXPECT_TRUE(of(ds, before).keep);
  EXPECT_TRUE(of(ds, after).keep);
  p.daily = 1;
  ds = apply_keep_policy(group(), p);
  EXPECT_FALSE(of(ds, before).keep);
}

TEST_F(ForgetPolicyTest, HourlyWeeklyMonthlyYearly) {
  auto h1 = add(kJan1 + 10 * kHour + 5 * kSec), h2 = add(kJan1 + 10 * kHour + 50 * 60 * kSec);
  auto w_prev = add(kJan1 - kDay);  // Sunday 2023-12-31: previous ISO week, previous year
  auto feb = add(kJan1 + 40 * kDay);
  KeepPolicy p;
  p.hourly = 10;
  auto ds = apply_keep_policy(group(), p);
  EXPECT_TRUE(of(ds, h2).keep);
  EXPECT_FALSE(of(ds, h1).keep);
  p = KeepPolicy{};
  p.weekly = 2;
  ds = apply_keep_policy(group(), p);
  EXPECT_TRUE(of(ds, feb).keep);
  EXPECT_TRUE(of(ds, h2).keep);
  EXPECT_FALSE(of(ds, w_prev).keep);
  p = KeepPolicy{};
  p.monthly = 5;
  ds = apply_keep_policy(group(), p);
  EXPECT_EQ(kept(ds).size(), 3u);  // Feb, Jan (h2), Dec
  EXPECT_EQ(of(ds, w_prev).reasons, std::vector<std::string>{"monthly"});
  p = KeepPolicy{};
  p.yearly = 1;
  ds = apply_keep_policy(group(), p);
  EXPECT_EQ(kept(ds), std::vector<std::string>{feb->id});
}

TEST_F(ForgetPolicyTest, KeepWithinIsRelativeToNewest) {
  auto old = add(kJan1), mid = add(kJan1 + 5 * kDay), edge = add(kJan1 + 8 * kDay),
       newest = add(kJan1 + 10 * kDay);
  KeepPolicy p;
  p.within_ns = 2 * kDay;
  auto ds = apply_keep_policy(group(), p);
  EXPECT_TRUE(of(ds, newest).keep);
  EXPECT_TRUE(of(ds, edge).keep) << "exactly at the limit is kept";
  EXPECT_FALSE(of(ds, mid).keep);
  EXPECT_FALSE(of(ds, old).keep);
  ASSERT_EQ(of(ds, edge).reasons.size(), 1u);
  EXPECT_EQ(of(ds, edge).reasons[0].rfind("within", 0), 0u) << of(ds, edge).reasons[0];
}

TEST_F(ForgetPolicyTest, KeepTagAndCombinedReasons) {
  auto a = add(kJan1, {"db"}), b = add(kJan1 + kDay, {"web", "db"}), c = add(kJan1 + 2 * kDay, {"x"});
  KeepPolicy p;
  p.tags = {"db", "web"};
  p.last = 1;
  p.daily = 2;
  auto ds = apply_keep_policy(group(), p);
  EXPECT_EQ(of(ds, a).reasons, std::vector<std::string>{"tag:db"});
  EXPECT_EQ(of(ds, b).reasons, (std::vector<std::string>{"daily", "tag:db", "tag:web"}));
  EXPECT_EQ(of(ds, c).reasons, (std::vector<std::string>{"last", "daily"}));
  EXPECT_TRUE(of(ds, a).keep);
}

TEST_F(ForgetPolicyTest, EmptyPolicyAndEmptyGroup) {
  KeepPolicy p;
  EXPECT_TRUE(p.empty());
  p.tags = {"x"};
  EXPECT_FALSE(p.empty());
  EXPECT_TRUE(apply_keep_policy({}, p).empty());
  add(kJan1);
  auto ds = apply_keep_policy(group(), KeepPolicy{});
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_FALSE(ds[0].keep) << "an empty policy keeps nothing (callers must refuse it)";
}

TEST(ForgetGroupTest, GroupKeyIgnoresPathOrder) {
  Snapshot a, b, c;
  a.host = b.host = c.host = "h";
  a.paths = {"/b", "/a"};
  b.paths = {"/a", "/b"};
  c.paths = {"/a"};
  EXPECT_EQ(snapshot_group_key(a), snapshot_group_key(b));
  EXPECT_NE(snapshot_group_key(a), snapshot_group_key(c));
  c.paths = b.paths;
  c.dataset = "pg";
  EXPECT_NE(snapshot_group_key(b), snapshot_group_key(c));
  c.dataset = b.dataset;
  c.host = "other";
  EXPECT_NE(snapshot_group_key(b), snapshot_group_key(c));
}

}  // namespace
}  // namespace strata::repo
