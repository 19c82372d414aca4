// Finished packs committed in the background, for backends where a commit is a
// network upload (object storage): the worker that filled a pack goes back to
// chunking and sealing while its PUT is in flight, instead of waiting for it.
// At most `max_in_flight` uploads run or wait at once, which bounds the memory
// held by finished packs. The commit contract is unchanged: a pack is indexed
// only after its upload succeeded, and Repository::flush() waits for every
// upload (and reports the first failure) before it writes an index file.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>

#include "common/thread_pool.h"

namespace strata::repo {

class PackUploader {
 public:
  explicit PackUploader(size_t max_in_flight);
  ~PackUploader();  // waits for the uploads still running
  PackUploader(const PackUploader&) = delete;
  PackUploader& operator=(const PackUploader&) = delete;

  // Runs `upload` on an uploader thread once fewer than max_in_flight run.
  // Throws the first failure of an earlier upload instead of starting it (the
  // caller's write session is over; `upload` is not run).
  void submit(std::function<void()> upload);
  // Waits until no upload runs; rethrows the first failure (and forgets it).
  void wait_all();

 private:
  void rethrow_failure_locked();

  size_t max_in_flight_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t in_flight_ = 0;
  std::exception_ptr failure_;
  std::unique_ptr<ThreadPool> pool_;  // last: joined before the members above go
};

}  // namespace strata::repo
