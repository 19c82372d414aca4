// Counters of a long operation, updated by workers and read from another thread by
// whoever shows progress (the CLI's terminal line or JSON status events, the
// daemon's job table). Nothing here prints.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

namespace strata {

struct ProgressCounters {
  std::atomic<uint64_t> files_done{0};
  std::atomic<uint64_t> bytes_done{0};
  std::atomic<uint64_t> files_total{0};  // 0 while unknown
  std::atomic<uint64_t> bytes_total{0};
  std::atomic<bool> totals_known{false};
  std::atomic<uint64_t> errors{0};
};

// "1.23 GiB", "512 B"
std::string format_bytes(uint64_t bytes);
std::string format_duration(double seconds);

}  // namespace strata
