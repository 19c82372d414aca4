// A second thread that takes whole pieces of work from one producer, but only
// while it has nothing to do. The backup walk uses it to hand a subtree to a
// second walker when that walker is free, and otherwise walks the subtree
// itself: a handful of hand-overs per backup instead of one per directory, so
// that the thread wake-ups cost nothing next to the work they move.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace strata {

class IdleHelper {
 public:
  IdleHelper();
  // Waits for the running task (if any) to end, then stops the thread.
  ~IdleHelper();
  IdleHelper(const IdleHelper&) = delete;
  IdleHelper& operator=(const IdleHelper&) = delete;

  // True when no task is queued or running. With a single producer (the only
  // thread calling run()), a true answer stays true until that producer calls run().
  bool idle() const { return idle_.load(std::memory_order_acquire); }
  // Starts `task` on the helper thread. Precondition: idle(). The task must not
  // throw (report errors through a promise).
  void run(std::function<void()> task);

 private:
  void loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::function<void()> task_;
  bool stopping_ = false;
  std::atomic<bool> idle_{true};
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace strata
