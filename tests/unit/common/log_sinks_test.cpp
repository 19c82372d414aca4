// spdlog-backed sinks: a log file gets one timestamped line per message at or
// above its level, in order, flushed at once; it rotates at its size limit; a
// file that cannot be opened is Error(io) naming it.
#include "common/log_sinks.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "common/error.h"

namespace strata {
namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

class LogFileTest : public testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/strata-log-test.XXXXXX";
    dir_ = mkdtemp(templ);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(LogFileTest, OneTimestampedLinePerMessageAtOrAboveTheLevel) {
  const std::string path = dir_ + "/job.log";
  LogSink sink = file_log_sink(path, LogLevel::info);
  sink(LogLevel::debug, "not written");
  sink(LogLevel::info, "backup started");
  sink(LogLevel::warning, "a {brace} and 100% text");
  auto lines = lines_of(path);  // no flush call: every line is on disk already
  ASSERT_EQ(lines.size(), 2u);
  const std::regex stamp(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (.*)$)");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(lines[0], m, stamp)) << lines[0];
  EXPECT_EQ(m[1], "info: backup started");
  ASSERT_TRUE(std::regex_match(lines[1], m, stamp)) << lines[1];
  EXPECT_EQ(m[1], "warning: a {brace} and 100% text");
}

TEST_F(LogFileTest, RotatesAtItsSizeLimit) {
  const std::string path = dir_ + "/daemon.log";
  LogSink sink = file_log_sink(path, LogLevel::info, 4096, 2);
  for (int i = 0; i < 400; ++i) sink(LogLevel::info, "line " + std::to_string(i) + std::string(40, 'x'));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/daemon.1.log"));
  EXPECT_LE(std::filesystem::file_size(path), 4096u);
  auto last = lines_of(path);
  ASSERT_FALSE(last.empty());
  EXPECT_NE(last.back().find("line 399"), std::string::npos);
}

TEST_F(LogFileTest, UnopenableFileIsAnIoErrorNamingIt) {
  const std::string path = dir_ + "/missing/dir/x.log";
  std::filesystem::create_directories(dir_ + "/missing");
  std::ofstream(dir_ + "/missing/dir") << "a file where a directory should be";
  try {
    file_log_sink(path, LogLevel::info);
    FAIL() << "opened " << path;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::io);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace strata
