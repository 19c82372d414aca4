// The asynchronous-archiving spool on a job's clock: a wal-push waiting for the
// pusher gives up at its timeout as measured by that clock (a fake clock makes the
// 60 s timeout pass without waiting), restarts the pusher once a second of it,
// reports the pusher's recorded error, and stops when its job is cancelled; the
// workers end when idle for long enough, on the same clock.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "common/error.h"
#include "common/fake_clock.h"
#include "common/scratch_dir.h"
#include "source/postgres/async_archive.h"

namespace strata::source::postgres {
namespace {

constexpr const char* kSegment = "000000010000000000000003";

class AsyncSpoolTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_.create("", "strata-spool-test.");
    spool_.root = dir_.path() + "/spool";
    spool_.create();
  }
  ScratchDir dir_;
  SpoolDirs spool_;
  FakeClock clock_;
};

TEST_F(AsyncSpoolTest, WaitTimesOutOnTheJobsClockAndRestartsThePusherEverySecond) {
  int starts = 0;
  try {
    wait_for_async_push(spool_, kSegment, 60, [&] { ++starts; }, SpoolJob{&clock_, {}});
    FAIL() << "no timeout";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::source);
    EXPECT_NE(std::string(e.what()).find("did not finish within 60 s"), std::string::npos) << e.what();
  }
  EXPECT_GE(clock_.monotonic_ns(), 60'000'000'000);
  EXPECT_EQ(starts, 60);  // at once, then once a second of the job's clock
}

TEST_F(AsyncSpoolTest, RecordedFailureIsTheWaitersError) {
  report_async_push_failure(spool_, kSegment, Error(ExitCode::integrity, "the repository key does not match"));
  try {
    wait_for_async_push(spool_, kSegment, 60, [] {}, SpoolJob{&clock_, {}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::integrity);
    EXPECT_STREQ(e.what(), "the repository key does not match");
  }
  EXPECT_FALSE(std::filesystem::exists(spool_.push() + "/" + kSegment + ".error"));  // consumed
}

TEST_F(AsyncSpoolTest, AcknowledgementEndsTheWait) {
  std::ofstream(spool_.push() + "/" + kSegment + ".ok").flush();
  wait_for_async_push(spool_, kSegment, 60, [] {}, SpoolJob{&clock_, {}});
  EXPECT_FALSE(std::filesystem::exists(spool_.push() + "/" + kSegment + ".ok"));
}

TEST_F(AsyncSpoolTest, CancelledWaitStops) {
  CancelSource source;
  source.cancel("interrupted by SIGTERM");
  try {
    wait_for_async_push(spool_, kSegment, 60, [] {}, SpoolJob{&clock_, source.token()});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::interrupted);
  }
}

TEST_F(AsyncSpoolTest, IdlePusherEndsOnTheJobsClock) {
  std::filesystem::create_directories(dir_.path() + "/pg_wal/archive_status");
  int pushed = 0;
  run_async_pusher([&](const std::string&) { ++pushed; }, spool_, dir_.path() + "/pg_wal", 2,
                   SpoolJob{&clock_, {}}, 3);
  EXPECT_EQ(pushed, 0);
  EXPECT_GT(clock_.monotonic_ns(), 3'000'000'000);
}

TEST_F(AsyncSpoolTest, PusherStoresReadySegmentsAndAcknowledgesThem) {
  const std::string pg_wal = dir_.path() + "/pg_wal";
  std::filesystem::create_directories(pg_wal + "/archive_status");
  std::ofstream(pg_wal + "/archive_status/" + kSegment + ".ready").flush();
  std::vector<std::string> pushed;
  run_async_pusher([&](const std::string& path) { pushed.push_back(path); }, spool_, pg_wal, 1,
                   SpoolJob{&clock_, {}}, 1);
  EXPECT_EQ(pushed, (std::vector<std::string>{pg_wal + "/" + kSegment}));
  EXPECT_TRUE(std::filesystem::exists(spool_.push() + "/" + kSegment + ".ok"));
}

}  // namespace
}  // namespace strata::source::postgres
