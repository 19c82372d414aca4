// Default Backend methods: begin_put collects the pieces in memory and stores them
// with one put() on commit, for backends that cannot stream (memory, fault
// injection).
#include <string>

#include "storage/backend.h"

namespace strata::storage {
namespace {

class BufferedObjectWriter : public ObjectWriter {
 public:
  BufferedObjectWriter(Backend& backend, std::string prefix)
      : backend_(backend), prefix_(std::move(prefix)) {}

  void append(ByteView data) override { data_.insert(data_.end(), data.begin(), data.end()); }

  void commit(const std::string& name) override {
    if (!name.starts_with(prefix_ + "/"))
      throw Error(ExitCode::failure, "object " + name + " is not below " + prefix_);
    backend_.put(name, data_);
    data_.clear();
  }

 private:
  Backend& backend_;
  std::string prefix_;
  Bytes data_;
};

}  // namespace

std::unique_ptr<ObjectWriter> Backend::begin_put(const std::string& prefix) {
  return std::make_unique<BufferedObjectWriter>(*this, prefix);
}

}  // namespace strata::storage
