// A Clock that moves only when told to (tests, and drills that simulate days):
// sleep_for_ms advances it instead of waiting. Thread-safe.
#pragma once
#include <atomic>
#include <cstdint>

#include "common/cancel.h"
#include "common/clock.h"

namespace strata {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ns = 1'767'225'600'000'000'000)  // 2026-01-01T00:00:00Z
      : now_ns_(start_ns), mono_ns_(0) {}

  int64_t now_ns() const override { return now_ns_.load(); }
  int64_t monotonic_ns() const override { return mono_ns_.load(); }
  bool sleep_for_ms(int64_t ms, const CancelToken& cancel) const override {
    if (cancel.cancelled()) return false;
    now_ns_ += ms * 1'000'000;
    mono_ns_ += ms * 1'000'000;
    return true;
  }

  // Moves both clocks forward.
  void advance_ns(int64_t ns) {
    now_ns_ += ns;
    mono_ns_ += ns;
  }
  void advance_seconds(int64_t s) { advance_ns(s * 1'000'000'000); }
  // Sets wall time only (a clock step), as NTP may do.
  void set_now_ns(int64_t ns) { now_ns_ = ns; }

 private:
  mutable std::atomic<int64_t> now_ns_;  // mutable: sleeping moves a fake clock
  mutable std::atomic<int64_t> mono_ns_;
};

}  // namespace strata
