// Cooperative cancellation of one job. A long-running process runs many jobs at
// once, so stopping one must not stop the others: whoever starts a job keeps a
// CancelSource, hands its CancelToken down through the request, and the library
// checks the token at safe points (between files, packs, segments) and unwinds by
// throwing Error(interrupted); destructors release what the job held (locks,
// scratch directories, child processes). Nothing here ends the process.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace strata {

namespace detail {
struct CancelState;
}

// A read-only view of one job's cancellation flag; cheap to copy, safe to use from
// any thread. A default-constructed token is never cancelled.
class CancelToken {
 public:
  CancelToken() = default;

  bool cancelled() const;
  // Why the job was cancelled ("interrupted by SIGINT"); empty while not cancelled.
  std::string reason() const;
  // Throws Error(ExitCode::interrupted, reason) once cancelled; call at safe points.
  void throw_if_cancelled() const;
  // Sleeps up to `ms` milliseconds, waking early on cancellation; returns false if
  // the job was cancelled (before or during the wait).
  bool sleep_for_ms(int64_t ms) const;

 private:
  friend class CancelSource;
  explicit CancelToken(std::shared_ptr<detail::CancelState> state) : state_(std::move(state)) {}
  std::shared_ptr<detail::CancelState> state_;
};

// The owner's side: cancel() flags every token taken from it (idempotent; the first
// reason is kept). Thread-safe; cancel() is not async-signal-safe, so a process
// maps signals onto it from an ordinary thread (cli/main.cpp does).
class CancelSource {
 public:
  CancelSource();
  CancelToken token() const { return CancelToken(state_); }
  void cancel(const std::string& reason = "interrupted");
  bool cancelled() const;

 private:
  std::shared_ptr<detail::CancelState> state_;
};

}  // namespace strata
