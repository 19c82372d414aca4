// A minimal MessagePack writer for the hot path of every backup (one tree per
// directory). It emits exactly the bytes nlohmann::json::to_msgpack produces for the
// same values — the smallest form of every integer, length and container header —
// so tree encodings, and therefore tree ids and their deduplication, do not depend
// on which of the two produced them (a unit test compares them).
#pragma once
#include <cstdint>
#include <string_view>

#include "common/bytes.h"

namespace strata::repo {

class MsgpackWriter {
 public:
  explicit MsgpackWriter(Bytes& out) : out_(out) {}

  void map(size_t n) { header(n, 0x80, 15, 0xde, 0xdf); }
  void array(size_t n) { header(n, 0x90, 15, 0xdc, 0xdd); }
  void str(std::string_view s) {
    if (s.size() <= 31) {
      byte(static_cast<uint8_t>(0xa0 | s.size()));
    } else if (s.size() <= 0xff) {
      byte(0xd9);
      be(s.size(), 1);
    } else if (s.size() <= 0xffff) {
      byte(0xda);
      be(s.size(), 2);
    } else {
      byte(0xdb);
      be(s.size(), 4);
    }
    raw(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  void bin(const uint8_t* p, size_t n) {
    if (n <= 0xff) {
      byte(0xc4);
      be(n, 1);
    } else if (n <= 0xffff) {
      byte(0xc5);
      be(n, 2);
    } else {
      byte(0xc6);
      be(n, 4);
    }
    raw(p, n);
  }
  void bin(std::string_view s) { bin(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
  void uint(uint64_t v) {
    if (v < 128) {
      byte(static_cast<uint8_t>(v));
    } else if (v <= 0xff) {
      byte(0xcc);
      be(v, 1);
    } else if (v <= 0xffff) {
      byte(0xcd);
      be(v, 2);
    } else if (v <= 0xffffffffu) {
      byte(0xce);
      be(v, 4);
    } else {
      byte(0xcf);
      be(v, 8);
    }
  }
  void sint(int64_t v) {
    if (v >= 0) return uint(static_cast<uint64_t>(v));
    if (v >= -32) {
      byte(static_cast<uint8_t>(static_cast<int8_t>(v)));
    } else if (v >= INT8_MIN) {
      byte(0xd0);
      be(static_cast<uint64_t>(v), 1);
    } else if (v >= INT16_MIN) {
      byte(0xd1);
      be(static_cast<uint64_t>(v), 2);
    } else if (v >= INT32_MIN) {
      byte(0xd2);
      be(static_cast<uint64_t>(v), 4);
    } else {
      byte(0xd3);
      be(static_cast<uint64_t>(v), 8);
    }
  }

 private:
  void byte(uint8_t b) { out_.push_back(b); }
  void raw(const uint8_t* p, size_t n) { out_.insert(out_.end(), p, p + n); }
  void be(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void header(size_t n, uint8_t fix, size_t fix_max, uint8_t code16, uint8_t code32) {
    if (n <= fix_max) {
      byte(static_cast<uint8_t>(fix | n));
    } else if (n <= 0xffff) {
      byte(code16);
      be(n, 2);
    } else {
      byte(code32);
      be(n, 4);
    }
  }
  Bytes& out_;
};

}  // namespace strata::repo
