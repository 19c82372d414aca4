// Time as a dependency. Whatever decides by time — lock staleness, retention,
// lifecycle ages, schedules, timeouts — asks a Clock it was given instead of the
// system, so tests can move time forward without sleeping (FakeClock). Library code
// never reads std::chrono clocks directly.
#pragma once
#include <cstdint>

namespace strata {

class CancelToken;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: nanoseconds since the Unix epoch (UTC). Recorded in
  // snapshots, locks and records; may jump.
  virtual int64_t now_ns() const = 0;
  // Monotonic nanoseconds from an arbitrary origin: for deadlines and durations.
  virtual int64_t monotonic_ns() const = 0;
  // Waits `ms` milliseconds or until `cancel` fires; false if cancelled.
  virtual bool sleep_for_ms(int64_t ms, const CancelToken& cancel) const = 0;
};

// The real clocks (std::chrono::system_clock / steady_clock). Thread-safe.
const Clock& system_clock();

}  // namespace strata
