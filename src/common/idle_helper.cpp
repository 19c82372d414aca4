// See idle_helper.h.
#include "common/idle_helper.h"

#include <cstdlib>
#include <utility>

namespace strata {

IdleHelper::IdleHelper() : thread_([this] { loop(); }) {}

IdleHelper::~IdleHelper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void IdleHelper::run(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (task_ || !idle_.load()) std::abort();  // precondition broken: a lost task
    idle_.store(false, std::memory_order_release);
    task_ = std::move(task);
  }
  cv_.notify_one();
}

void IdleHelper::loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || task_; });
      if (!task_) return;  // stopping, nothing left to run
      task = std::move(task_);
      task_ = nullptr;
    }
    task();
    task = nullptr;  // what it captured is released before the helper counts as idle
    idle_.store(true, std::memory_order_release);
  }
}

}  // namespace strata
