// Hands chunks to the worker pool that hashes, deduplicates, compresses, seals and
// packs them. Large chunks travel alone; small ones (the content of small files) are
// grouped into batches of about 1 MiB, so that tens of thousands of small files cost
// a few hundred pool tasks and wake-ups instead of one each. The bytes handed to the
// workers are bounded by a Budget (plus one open batch): memory depends on
// configuration, not on the data set.
#pragma once
#include <exception>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include "common/thread_pool.h"
#include "repo/repository.h"

namespace strata::source {

// Chunks submitted together; the worker fills `ids` and then fulfils `done`.
struct ChunkBatch {
  Bytes data;
  std::vector<uint32_t> ends;  // chunk i is data[ends[i-1] (or 0), ends[i])
  std::vector<repo::BlobId> ids;
  std::promise<void> promise;
  std::shared_future<void> done = promise.get_future().share();
  bool submitted = false;
};

// One chunk's place in a batch; its id is known once the batch is done.
struct ChunkRef {
  std::shared_ptr<ChunkBatch> batch;
  uint32_t index = 0;
  bool ready() const {
    return batch->submitted &&
           batch->done.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }
  // Waits for the batch; rethrows the worker's error if storing failed.
  const repo::BlobId& get() const {
    batch->done.get();
    return batch->ids[index];
  }
};

// One per walking thread (add() and flush() are not thread-safe); the workers,
// and the budget of bytes in flight, may be shared by several batchers.
class ChunkBatcher {
 public:
  // Keeps up to `spare_limit` bytes of freed chunk buffers for reuse; stores
  // its chunks into the repository's pack stream `stream`.
  ChunkBatcher(repo::Repository& repo, ThreadPool& pool, Budget& budget, uint64_t spare_limit,
               int stream)
      : repo_(repo), workers_(pool), budget_(budget), spare_limit_(spare_limit), stream_(stream) {}
  int stream() const { return stream_; }

  // Copies data[0..n) into a batch and returns where its id will appear. Throws the
  // first worker error (e.g. the repository disk is full) so the walk stops early.
  ChunkRef add(const uint8_t* data, size_t n);
  // Submits the partly filled batch (before waiting for any of its chunks).
  void flush();
  // Throws the first worker error, if any.
  void rethrow_failure();

 private:
  void submit(std::shared_ptr<ChunkBatch> batch);
  // Buffers are recycled (up to the budget's worth): allocating and freeing a
  // megabyte per chunk leaves the allocator holding freed memory and costs page
  // faults.
  Bytes take_buffer(size_t size);
  void return_buffer(Bytes&& buf);

  repo::Repository& repo_;
  ThreadPool& workers_;
  Budget& budget_;
  const uint64_t spare_limit_;
  const int stream_;
  std::mutex spare_mu_;
  std::vector<Bytes> spare_;
  uint64_t spare_bytes_ = 0;
  std::shared_ptr<ChunkBatch> open_;
  std::mutex failure_mu_;
  std::exception_ptr failure_;
};

}  // namespace strata::source
