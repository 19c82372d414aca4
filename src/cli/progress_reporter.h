// The CLI's view of a running job's ProgressCounters: a rewritten line on a
// terminal's stderr, or JSON status events on stdout for machines (--json).
#pragma once
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/progress.h"

namespace strata::cli {

enum class ProgressMode { none, terminal, json };

// Prints every 250 ms (terminal: one rewritten line on stderr; json: one status
// object per second on stdout) until stopped. `action` names the operation.
class ProgressReporter {
 public:
  ProgressReporter(ProgressMode mode, std::string action, const ProgressCounters& counters,
                   const Clock& clock = system_clock());
  ~ProgressReporter();  // stops and clears the terminal line
  void stop();

 private:
  void run();
  void print(bool final);

  ProgressMode mode_;
  std::string action_;
  const ProgressCounters& c_;
  const Clock& clock_;
  int64_t start_ns_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace strata::cli
