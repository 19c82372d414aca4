// Batching of chunks for the worker pool (see chunk_batcher.h).
#include "source/chunk_batcher.h"

namespace strata::source {

namespace {
constexpr size_t kBatchBytes = 1024 * 1024;  // a batch is submitted once this full
constexpr size_t kSmallChunk = 256 * 1024;   // larger chunks travel alone
constexpr size_t kBatchChunks = 512;
}  // namespace

void ChunkBatcher::rethrow_failure() {
  std::lock_guard<std::mutex> lock(failure_mu_);
  if (failure_) std::rethrow_exception(failure_);
}

ChunkRef ChunkBatcher::add(const uint8_t* data, size_t n) {
  rethrow_failure();
  if (n >= kSmallChunk) {
    budget_.acquire(n);  // before the copy: the budget bounds memory
    auto alone = std::make_shared<ChunkBatch>();
    alone->data.assign(data, data + n);
    alone->ends.push_back(static_cast<uint32_t>(n));
    submit(alone);
    return ChunkRef{std::move(alone), 0};
  }
  if (!open_) {
    open_ = std::make_shared<ChunkBatch>();
    open_->data.reserve(kBatchBytes + kSmallChunk);
  }
  open_->data.insert(open_->data.end(), data, data + n);
  open_->ends.push_back(static_cast<uint32_t>(open_->data.size()));
  ChunkRef ref{open_, static_cast<uint32_t>(open_->ends.size() - 1)};
  if (open_->data.size() >= kBatchBytes || open_->ends.size() >= kBatchChunks) flush();
  return ref;
}

void ChunkBatcher::flush() {
  if (!open_) return;
  // The open batch (at most ~1.25 MiB) is counted once it is handed over.
  budget_.acquire(open_->data.size());
  submit(std::move(open_));
  open_.reset();
}

void ChunkBatcher::submit(std::shared_ptr<ChunkBatch> batch) {
  batch->submitted = true;
  batch->ids.resize(batch->ends.size());
  // The closure (and with it the batch's data) is dropped as soon as the task ran;
  // the batch itself lives on in the ChunkRefs until the tree is written.
  pool_.submit([this, batch]() {
    const size_t size = batch->data.size();
    try {
      size_t begin = 0;
      for (size_t i = 0; i < batch->ends.size(); ++i) {
        ByteView chunk(batch->data.data() + begin, batch->ends[i] - begin);
        batch->ids[i] = repo_.blob_id(chunk);
        repo_.save_blob(repo::BlobType::data, batch->ids[i], chunk);
        begin = batch->ends[i];
      }
      Bytes().swap(batch->data);
      budget_.release(size);
      batch->promise.set_value();
    } catch (...) {
      Bytes().swap(batch->data);
      {
        std::lock_guard<std::mutex> lock(failure_mu_);
        if (!failure_) failure_ = std::current_exception();
      }
      budget_.release(size);
      batch->promise.set_exception(std::current_exception());
    }
  });
}

}  // namespace strata::source
