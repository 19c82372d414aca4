// A fixed-size worker pool used by the backup/restore pipelines. Tasks are plain
// closures; submit() returns a future so callers keep ordering where it matters.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace strata {

class ThreadPool {
 public:
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  template <class F>
  auto submit(F&& f) -> std::future<decltype(f())> {
    using R = decltype(f());
    auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(f));
    auto fut = task->get_future();
    enqueue([task] { (*task)(); });
    return fut;
  }
  unsigned size() const { return static_cast<unsigned>(workers_.size()); }
  // Blocks until no job is queued or running.
  void wait_idle();

  // Number of worker threads to use by default: the machine's cores (at least 1).
  static unsigned default_threads();

 private:
  void enqueue(std::function<void()> job);
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  size_t running_ = 0;
  std::condition_variable idle_cv_;
  std::vector<std::thread> workers_;
};

// Runs fn(0..n-1) on every worker of the pool (dynamic assignment) and waits;
// rethrows the first exception after all workers stopped.
void parallel_for(ThreadPool& pool, size_t n, const std::function<void(size_t)>& fn);

// Counting budget (e.g. bytes in flight) that blocks acquirers until released;
// bounds pipeline memory by configuration rather than by data size.
class Budget {
 public:
  explicit Budget(uint64_t capacity) : capacity_(capacity) {}
  void acquire(uint64_t n);
  void release(uint64_t n);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t capacity_;
  uint64_t used_ = 0;
};

}  // namespace strata
