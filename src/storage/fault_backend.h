// Fault-injecting wrapper for tests: makes puts fail as if the disk were full
// (after a byte budget or a number of puts) or the repository read-only, makes
// reads fail or return flipped bytes, so error paths of the repository can be exercised deterministically.
#pragma once
#include <atomic>
#include <functional>
#include <mutex>

#include "storage/backend.h"

namespace strata::storage {

class FaultBackend : public Backend {
 public:
  explicit FaultBackend(Backend& inner) : inner_(inner) {}

  // After `bytes` more bytes have been put, every put throws an io Error saying
  // "disk full" (the failing put stores nothing).
  void fail_puts_after_bytes(uint64_t bytes);
  // The n-th put from now (0 = next) and all later ones fail with "disk full".
  void fail_puts_after_count(uint64_t count);
  // Gets/get_ranges of names for which `pred` is true throw an io Error.
  void fail_reads_if(std::function<bool(const std::string&)> pred);
  // Gets/get_ranges of matching names return data with one byte flipped.
  void corrupt_reads_if(std::function<bool(const std::string&)> pred);
  // Every write (put, streamed object, remove) fails with io_error(`err`) as on a
  // read-only mount (EROFS) or without permission (EACCES), storing nothing.
  // `probe_tells`: write_refusal() reports `err` too (a local mount); otherwise it
  // reports 0 and only the refused write tells (object storage).
  void refuse_writes(int err, bool probe_tells);
  void clear_faults();
  // Reports remote() = true, as object storage does: a repository opened on it
  // then uploads packs in the background (its error paths tested on memory).
  void pretend_remote(bool on) { remote_ = on; }
  bool remote() const override { return remote_; }

  std::string location() const override { return "fault:" + inner_.location(); }
  void put(const std::string& name, ByteView data) override;
  bool put_if_absent(const std::string& name, ByteView data) override;
  std::unique_ptr<ObjectWriter> begin_put(const std::string& prefix) override;
  Bytes get(const std::string& name) override;
  Bytes get_range(const std::string& name, uint64_t offset, uint64_t length) override;
  std::optional<uint64_t> stat(const std::string& name) override;
  std::vector<ObjectInfo> list(const std::string& prefix) override;
  void remove(const std::string& name) override;
  size_t remove_stale_temporaries() override { return inner_.remove_stale_temporaries(); }
  int write_refusal(const std::string& prefix) override;

 private:
  class Writer;
  // Draws `bytes` from the byte budget and, for a put or commit, one from the count;
  // throws the disk-full Error naming `what` when either is exhausted.
  void charge(const std::string& what, uint64_t bytes, bool counts_as_put);

  Backend& inner_;
  std::mutex mu_;
  bool byte_limit_set_ = false;
  uint64_t bytes_left_ = 0;
  bool count_limit_set_ = false;
  uint64_t puts_left_ = 0;
  bool full_ = false;  // a limit was hit: every later write fails
  int refused_errno_ = 0;  // refuse_writes(): every write fails with it
  bool refusal_probed_ = false;
  bool remote_ = false;
  std::function<bool(const std::string&)> fail_reads_;
  std::function<bool(const std::string&)> corrupt_reads_;
};

}  // namespace strata::storage
