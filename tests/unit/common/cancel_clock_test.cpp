// CancelToken/CancelSource and the fake clock: what long loops and time-dependent
// decisions rely on.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/cancel.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/fake_clock.h"

namespace strata {
namespace {

TEST(CancelToken, DefaultTokenIsNeverCancelled) {
  CancelToken t;
  EXPECT_FALSE(t.cancelled());
  EXPECT_NO_THROW(t.throw_if_cancelled());
  EXPECT_TRUE(t.sleep_for_ms(1));
}

TEST(CancelToken, CancelReachesEveryTokenAndKeepsTheFirstReason) {
  CancelSource src;
  auto a = src.token(), b = src.token();
  EXPECT_FALSE(a.cancelled());
  src.cancel("interrupted by SIGTERM");
  src.cancel("second");
  EXPECT_TRUE(a.cancelled());
  EXPECT_TRUE(b.cancelled());
  EXPECT_EQ(b.reason(), "interrupted by SIGTERM");
  try {
    a.throw_if_cancelled();
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::interrupted);
    EXPECT_STREQ(e.what(), "interrupted by SIGTERM");
  }
}

TEST(CancelToken, SleepWakesOnCancel) {
  CancelSource src;
  auto t = src.token();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    src.cancel();
  });
  EXPECT_FALSE(t.sleep_for_ms(60'000));  // would hang the test if cancel did not wake it
  canceller.join();
}

TEST(CancelToken, SourcesAreIndependent) {
  CancelSource one, two;
  one.cancel();
  EXPECT_FALSE(two.token().cancelled());
}

TEST(FakeClock, SleepAdvancesBothClocks) {
  FakeClock c(1000);
  EXPECT_EQ(c.now_ns(), 1000);
  EXPECT_TRUE(c.sleep_for_ms(5, CancelToken()));
  EXPECT_EQ(c.now_ns(), 1000 + 5'000'000);
  EXPECT_EQ(c.monotonic_ns(), 5'000'000);
  c.set_now_ns(0);  // a wall-clock step leaves monotonic time alone
  EXPECT_EQ(c.monotonic_ns(), 5'000'000);
}

TEST(FakeClock, CancelledSleepDoesNotAdvance) {
  FakeClock c(0);
  CancelSource src;
  src.cancel();
  EXPECT_FALSE(c.sleep_for_ms(5, src.token()));
  EXPECT_EQ(c.now_ns(), 0);
}

TEST(SystemClock, MonotonicNeverGoesBack) {
  const Clock& c = system_clock();
  auto a = c.monotonic_ns();
  auto b = c.monotonic_ns();
  EXPECT_LE(a, b);
  EXPECT_GT(c.now_ns(), 1'700'000'000'000'000'000);
}

}  // namespace
}  // namespace strata
