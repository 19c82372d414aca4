// Implementation of ThreadPool and Budget.
#include "common/thread_pool.h"

#include <atomic>

namespace strata {

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0) threads = 1;
  for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { run(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

unsigned ThreadPool::default_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

void ThreadPool::enqueue(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void ThreadPool::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
    }
    job();  // packaged tasks capture their own exceptions
    job = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
    }
    idle_cv_.notify_all();
  }
}

void ThreadPool::wait_idle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return jobs_.empty() && running_ == 0; });
}

void parallel_for(ThreadPool& pool, size_t n, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::vector<std::future<void>> workers;
  for (unsigned w = 0; w < pool.size(); ++w)
    workers.push_back(pool.submit([&] {
      for (size_t i = next++; i < n && !stop; i = next++) {
        try {
          fn(i);
        } catch (...) {
          stop = true;
          throw;
        }
      }
    }));
  std::exception_ptr first;
  for (auto& w : workers) {
    try {
      w.get();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

void Budget::acquire(uint64_t n) {
  std::unique_lock<std::mutex> lock(mu_);
  // A request larger than the whole budget is let through alone.
  cv_.wait(lock, [&] { return used_ == 0 || used_ + n <= capacity_; });
  used_ += n;
}

void Budget::release(uint64_t n) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    used_ -= n;
  }
  cv_.notify_all();
}

}  // namespace strata
