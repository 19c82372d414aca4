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
    alone->data = take_buffer(n);
    alone->data.assign(data, data + n);
    alone->ends.push_back(static_cast<uint32_t>(n));
    submit(alone);
    return ChunkRef{std::move(alone), 0};
  }
  if (!open_) {
    open_ = std::make_shared<ChunkBatch>();
    open_->data = take_buffer(kBatchBytes + kSmallChunk);
  }
  open_->data.insert(open_->data.end(), data, data + n);
  open_->ends.push_back(static_cast<uint32_t>(open_->data.size()));
  ChunkRef ref{open_, static_cast<uint32_t>(open_->ends.size() - 1)};
  if (open_->data.size() >= kBatchBytes || open_->ends.size() >= kBatchChunks) flush();
  return ref;
}

Bytes ChunkBatcher::take_buffer(size_t size) {
  Bytes buf;
  {
    std::lock_guard<std::mutex> lock(spare_mu_);
    // The smallest spare buffer that fits, else the largest one (grown below).
    size_t best = spare_.size();
    for (size_t i = 0; i < spare_.size(); ++i) {
      if (best == spare_.size()) {
        best = i;
        continue;
      }
      size_t have = spare_[best].capacity(), cap = spare_[i].capacity();
      bool better = have >= size ? (cap >= size && cap < have) : cap > have;
      if (better) best = i;
    }
    if (best != spare_.size()) {
      buf = std::move(spare_[best]);
      spare_.erase(spare_.begin() + static_cast<std::ptrdiff_t>(best));
      spare_bytes_ -= buf.capacity();
    }
  }
  buf.clear();
  buf.reserve(size);
  return buf;
}

void ChunkBatcher::return_buffer(Bytes&& buf) {
  Bytes mine = std::move(buf);
  mine.clear();
  std::lock_guard<std::mutex> lock(spare_mu_);
  if (spare_bytes_ + mine.capacity() > spare_limit_) return;  // freed on return
  spare_bytes_ += mine.capacity();
  spare_.push_back(std::move(mine));
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
  workers_.submit([this, batch]() {
    const size_t size = batch->data.size();
    try {
      size_t begin = 0;
      for (size_t i = 0; i < batch->ends.size(); ++i) {
        ByteView chunk(batch->data.data() + begin, batch->ends[i] - begin);
        batch->ids[i] = repo_.blob_id(chunk);
        repo_.save_blob(repo::BlobType::data, batch->ids[i], chunk, false, stream_);
        begin = batch->ends[i];
      }
      return_buffer(std::move(batch->data));
      budget_.release(size);
      batch->promise.set_value();
    } catch (...) {
      return_buffer(std::move(batch->data));
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
