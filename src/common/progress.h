// Counters of a long operation, updated by workers and read by a reporter thread
// that prints a progress line on a terminal or JSON status events for machines.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <condition_variable>
#include <mutex>

namespace strata {

struct ProgressCounters {
  std::atomic<uint64_t> files_done{0};
  std::atomic<uint64_t> bytes_done{0};
  std::atomic<uint64_t> files_total{0};  // 0 while unknown
  std::atomic<uint64_t> bytes_total{0};
  std::atomic<bool> totals_known{false};
  std::atomic<uint64_t> errors{0};
};

enum class ProgressMode { none, terminal, json };

// Prints every 250 ms (terminal: one rewritten line on stderr; json: one status
// object per second on stdout) until stopped. `action` names the operation.
class ProgressReporter {
 public:
  ProgressReporter(ProgressMode mode, std::string action, const ProgressCounters& counters);
  ~ProgressReporter();  // stops and clears the terminal line
  void stop();

 private:
  void run();
  void print(bool final);

  ProgressMode mode_;
  std::string action_;
  const ProgressCounters& c_;
  int64_t start_ns_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// "1.23 GiB", "512 B"
std::string format_bytes(uint64_t bytes);
std::string format_duration(double seconds);

}  // namespace strata
