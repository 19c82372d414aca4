// The system clock behind the Clock interface (clock.h).
#include "common/clock.h"

#include <chrono>

#include "common/cancel.h"

namespace strata {

namespace {

class SystemClock final : public Clock {
 public:
  int64_t now_ns() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t monotonic_ns() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  bool sleep_for_ms(int64_t ms, const CancelToken& cancel) const override { return cancel.sleep_for_ms(ms); }
};

}  // namespace

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace strata
