// What every use case takes besides its request: the job's cancellation token,
// counters it updates for whoever shows progress (a terminal line, the daemon's
// job table), and the clock that decides by time. One Job per running operation;
// the caller owns it and may read `progress` from another thread.
#pragma once
#include "common/cancel.h"
#include "common/clock.h"
#include "common/progress.h"

namespace strata::app {

struct Job {
  CancelToken cancel;                     // checked at safe points; default: never cancelled
  ProgressCounters progress;              // updated while the operation runs
  const Clock* clock = &system_clock();   // wall time of records, ages, deadlines
  unsigned threads = 0;                   // worker threads (0: one per core)

  int64_t now_ns() const { return clock->now_ns(); }
};

}  // namespace strata::app
