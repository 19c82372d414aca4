// Cancellation flag shared by a CancelSource and its tokens (see cancel.h).
#include "common/cancel.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/error.h"

namespace strata {

namespace detail {
struct CancelState {
  std::atomic<bool> cancelled{false};
  std::mutex mu;
  std::condition_variable cv;
  std::string reason;  // guarded by mu
};
}  // namespace detail

bool CancelToken::cancelled() const { return state_ && state_->cancelled.load(std::memory_order_acquire); }

std::string CancelToken::reason() const {
  if (!cancelled()) return {};
  std::lock_guard<std::mutex> g(state_->mu);
  return state_->reason;
}

void CancelToken::throw_if_cancelled() const {
  if (cancelled()) throw Error(ExitCode::interrupted, reason());
}

bool CancelToken::sleep_for_ms(int64_t ms) const {
  if (!state_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return true;
  }
  std::unique_lock<std::mutex> g(state_->mu);
  return !state_->cv.wait_for(g, std::chrono::milliseconds(ms), [this] { return state_->cancelled.load(); });
}

CancelSource::CancelSource() : state_(std::make_shared<detail::CancelState>()) {}

void CancelSource::cancel(const std::string& reason) {
  {
    std::lock_guard<std::mutex> g(state_->mu);
    if (state_->cancelled.load()) return;
    state_->reason = reason.empty() ? "interrupted" : reason;
    state_->cancelled.store(true, std::memory_order_release);
  }
  state_->cv.notify_all();
}

bool CancelSource::cancelled() const { return state_->cancelled.load(std::memory_order_acquire); }

}  // namespace strata
