// Memory aligned for direct I/O (O_DIRECT needs the buffer, offset and length
// aligned to the device's block size; 4 KiB covers 512- and 4096-byte sectors).
// Shared by the storage layer's pack writer and the restore's file writer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace strata {

inline constexpr size_t kDirectIoAlign = 4096;

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  // `size` bytes aligned to kDirectIoAlign, not initialised; empty (false) when
  // the allocation fails.
  explicit AlignedBuffer(size_t size) {
    void* p = nullptr;
    if (::posix_memalign(&p, kDirectIoAlign, size) == 0) data_.reset(static_cast<uint8_t*>(p));
  }
  uint8_t* get() const { return data_.get(); }
  explicit operator bool() const { return data_ != nullptr; }

 private:
  struct FreeDeleter {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, FreeDeleter> data_;
};

}  // namespace strata
