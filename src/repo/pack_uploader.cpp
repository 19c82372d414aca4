// PackUploader (see pack_uploader.h).
#include "repo/pack_uploader.h"

#include <utility>

namespace strata::repo {

PackUploader::PackUploader(size_t max_in_flight)
    : max_in_flight_(max_in_flight ? max_in_flight : 1),
      pool_(std::make_unique<ThreadPool>(static_cast<unsigned>(max_in_flight_))) {}

PackUploader::~PackUploader() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return in_flight_ == 0; });
}

void PackUploader::rethrow_failure_locked() {
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
}

void PackUploader::submit(std::function<void()> upload) {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ < max_in_flight_ || failure_; });
    if (failure_) std::rethrow_exception(failure_);
    ++in_flight_;
  }
  pool_->submit([this, upload = std::move(upload)] {
    std::exception_ptr failed;
    try {
      upload();
    } catch (...) {
      failed = std::current_exception();
    }
    std::lock_guard lock(mu_);
    if (failed && !failure_) failure_ = failed;
    --in_flight_;
    cv_.notify_all();
  });
}

void PackUploader::wait_all() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return in_flight_ == 0; });
  rethrow_failure_locked();
}

}  // namespace strata::repo
