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

void FaultBackend::clear_faults() {
  std::lock_guard lock(mu_);
  byte_limit_set_ = count_limit_set_ = false;
  bytes_left_ = puts_left_ = 0;
  fail_reads_ = nullptr;
  corrupt_reads_ = nullptr;
}

void FaultBackend::put(const std::string& name, ByteView data) {
  {
    std::lock_guard lock(mu_);
    bool full = (count_limit_set_ && puts_left_ == 0) ||
                (byte_limit_set_ && data.size() > bytes_left_);
    if (full) {
      count_limit_set_ = true;  // once full, every later put fails as well
      puts_left_ = 0;
      throw io_error("writing " + name, ENOSPC);
    }
    if (count_limit_set_) --puts_left_;
    if (byte_limit_set_) bytes_left_ -= data.size();
  }
  inner_.put(name, data);
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

void FaultBackend::remove(const std::string& name) { inner_.remove(name); }

}  // namespace strata::storage
