// Byte buffers, views and little-endian encoding helpers shared by every layer.
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// An allocator whose value-less construct() leaves bytes uninitialized, so that
// growing a RawBytes does not zero memory that is about to be overwritten.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// A byte buffer for hot paths that write every byte right after resize()
// (sealed blobs collecting in a pack). Never hand its fresh bytes out unwritten.
using RawBytes = std::vector<uint8_t, DefaultInitAllocator<uint8_t>>;

inline ByteView as_bytes(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string to_string(ByteView b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
inline void append(Bytes& out, ByteView in) { out.insert(out.end(), in.begin(), in.end()); }
inline void append(RawBytes& out, ByteView in) { out.insert(out.end(), in.begin(), in.end()); }

inline void put_u32le(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void put_u64le(Bytes& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline uint32_t get_u32le(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline uint64_t get_u64le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Lower-case hex encoding; from_hex returns false on bad input.
std::string to_hex(ByteView b);
bool from_hex(std::string_view hex, Bytes& out);

// Standard base64 (with padding); from_base64 returns false on bad input.
std::string to_base64(ByteView b);
bool from_base64(std::string_view text, Bytes& out);

}  // namespace strata
