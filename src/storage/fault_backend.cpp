// FaultBackend: forwards to an inner backend but fails puts as a full disk would and
// fails or corrupts chosen reads, to drive the repository's error paths in tests.
#include "storage/fault_backend.h"

#include <cerrno>

namespace strata::storage {

void FaultBackend::fail_puts_after_bytes(uint64_t bytes) {
  std::lock_guard lock(mu_);
  byte_limit_set_ = true;
  bytes_left_ = bytes;
}

void FaultBackend::fail_puts_after_count(uint64_t count) {
  std::lock_guard lock(mu_);
  count_limit_set_ = true;
  puts_left_ = count;
}

void FaultBackend::fail_reads_if(std::function<bool(const std::string&)> pred) {
  std::lock_guard lock(mu_);
  fail_reads_ = std::move(pred);
}

void FaultBackend::corrupt_reads_if(std::function<bool(const std::string&)> pred) {
  std::lock_guard lock(mu_);
  corrupt_reads_ = std::move(pred);
}

void FaultBackend::refuse_writes(int err, bool probe_tells) {
  std::lock_guard lock(mu_);
  refused_errno_ = err;
  refusal_probed_ = probe_tells;
}

int FaultBackend::write_refusal(const std::string& prefix) {
  {
    std::lock_guard lock(mu_);
    if (refused_errno_ != 0 && refusal_probed_) return refused_errno_;
  }
  return inner_.write_refusal(prefix);
}

void FaultBackend::clear_faults() {
  std::lock_guard lock(mu_);
  refused_errno_ = 0;
  refusal_probed_ = false;
  byte_limit_set_ = count_limit_set_ = full_ = false;
  bytes_left_ = puts_left_ = 0;
  fail_reads_ = nullptr;
  corrupt_reads_ = nullptr;
}

void FaultBackend::charge(const std::string& what, uint64_t bytes, bool counts_as_put) {
  std::lock_guard lock(mu_);
  if (refused_errno_ != 0) throw io_error("writing " + what, refused_errno_);
  if (full_ || (counts_as_put && count_limit_set_ && puts_left_ == 0) ||
      (byte_limit_set_ && bytes > bytes_left_)) {
    full_ = true;  // once full, every later write fails as well
    throw io_error("writing " + what, ENOSPC);
  }
  if (count_limit_set_ && counts_as_put) --puts_left_;
  if (byte_limit_set_) bytes_left_ -= bytes;
}

void FaultBackend::put(const std::string& name, ByteView data) {
  charge(name, data.size(), true);
  inner_.put(name, data);
}

bool FaultBackend::put_if_absent(const std::string& name, ByteView data) {
  charge(name, data.size(), true);
  return inner_.put_if_absent(name, data);
}

// Streams to the inner backend's writer; appends draw on the byte budget (a disk
// filling up mid-object) and the commit counts as one put.
class FaultBackend::Writer : public ObjectWriter {
 public:
  Writer(FaultBackend& owner, std::string prefix, std::unique_ptr<ObjectWriter> inner)
      : owner_(owner), prefix_(std::move(prefix)), inner_(std::move(inner)) {}
  void append(ByteView data) override {
    owner_.charge("an object in " + prefix_, data.size(), false);
    inner_->append(data);
  }
  void commit(const std::string& name) override {
    owner_.charge(name, 0, true);
    inner_->commit(name);
  }

 private:
  FaultBackend& owner_;
  std::string prefix_;
  std::unique_ptr<ObjectWriter> inner_;
};

std::unique_ptr<ObjectWriter> FaultBackend::begin_put(const std::string& prefix) {
  return std::make_unique<Writer>(*this, prefix, inner_.begin_put(prefix));
}

namespace {

Bytes apply_read_faults(const std::string& name, Bytes data,
                        const std::function<bool(const std::string&)>& corrupt) {
  if (corrupt && corrupt(name) && !data.empty()) data[data.size() / 2] ^= 0xff;
  return data;
}

}  // namespace

Bytes FaultBackend::get(const std::string& name) {
  std::function<bool(const std::string&)> fail, corrupt;
  {
    std::lock_guard lock(mu_);
    fail = fail_reads_;
    corrupt = corrupt_reads_;
  }
  if (fail && fail(name)) throw io_error("reading " + name, EIO);
  return apply_read_faults(name, inner_.get(name), corrupt);
}

Bytes FaultBackend::get_range(const std::string& name, uint64_t offset, uint64_t length) {
  std::function<bool(const std::string&)> fail, corrupt;
  {
    std::lock_guard lock(mu_);
    fail = fail_reads_;
    corrupt = corrupt_reads_;
  }
  if (fail && fail(name)) throw io_error("reading " + name, EIO);
  return apply_read_faults(name, inner_.get_range(name, offset, length), corrupt);
}

std::optional<uint64_t> FaultBackend::stat(const std::string& name) { return inner_.stat(name); }

std::vector<ObjectInfo> FaultBackend::list(const std::string& prefix) {
  return inner_.list(prefix);
}

void FaultBackend::remove(const std::string& name) {
  {
    std::lock_guard lock(mu_);
    if (refused_errno_ != 0) throw io_error("removing " + name, refused_errno_);
  }
  inner_.remove(name);
}

}  // namespace strata::storage
