// Log sinks: the process default, a job's sink on its thread, nesting, and threads
// that carry a job's sink along.
#include "common/log.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace strata {
namespace {

struct Collected {
  std::vector<std::string> lines;
  LogSink sink(const std::string& tag) {
    return [this, tag](LogLevel level, std::string_view m) {
      lines.push_back(tag + " " + log_level_name(level) + " " + std::string(m));
    };
  }
};

TEST(Log, DefaultThenScopedThenDefaultAgain) {
  Collected c;
  set_default_log_sink(c.sink("default"));
  log_warning("one");
  {
    ScopedLogSink job(c.sink("job"));
    log_message(LogLevel::error, "two");
    {
      ScopedLogSink inner(c.sink("inner"));
      log_warning("three");
    }
    log_warning("four");
  }
  log_warning("five");
  set_default_log_sink(nullptr);
  log_warning("dropped");
  EXPECT_EQ(c.lines, (std::vector<std::string>{"default warning one", "job error two", "inner warning three",
                                               "job warning four", "default warning five"}));
}

TEST(Log, AJobsSinkTravelsToTheThreadsItStarts) {
  Collected c;
  ScopedLogSink job(c.sink("job"));
  std::thread worker([sink = current_log_sink()] {
    ScopedLogSink carried(sink);
    log_warning("from a worker");
  });
  worker.join();
  EXPECT_EQ(c.lines, (std::vector<std::string>{"job warning from a worker"}));
}

}  // namespace
}  // namespace strata
