// Default Backend methods: begin_put collects the pieces in memory and stores them
// with one put() on commit, for backends that cannot stream (memory, fault
// injection); set_storage_class refuses where there are no storage classes.
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

void Backend::set_storage_class(const std::string& name, const std::string& storage_class) {
  throw Error(ExitCode::usage, location() + "/" + name + ": cannot move to storage class " + storage_class +
                                   ": this backend has neither storage classes nor tier directories");
}

void Backend::set_tier_directories(const std::map<std::string, std::string>&) {
  throw Error(ExitCode::usage, location() + ": tier directories are for repositories on a local disk" +
                                   (remote() ? " (object storage tiers are storage classes)" : ""));
}

std::unique_ptr<ObjectWriter> Backend::begin_put(const std::string& prefix) {
  return std::make_unique<BufferedObjectWriter>(*this, prefix);
}

}  // namespace strata::storage
