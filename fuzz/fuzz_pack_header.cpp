// libFuzzer target: parse_pack_header (decrypted pack header plaintext, with the
// blob-area end taken from the first 8 input bytes) and parse_pack_trailer (last 8
// bytes) must reject any malformed input without crashing, leaking or allocating
// more than the input justifies.
// The parser's translation unit is compiled into this target (and so takes
// precedence over the copy in libstrata_repo.a, which the linker then never pulls):
// the CMake fuzz build instruments only the fuzz_*.cpp sources, and without this
// libFuzzer would get no coverage feedback from the parser and ASan/UBSan would not
// see its memory accesses.
#include "repo/pack_format.cpp"  // NOLINT(bugprone-suspicious-include)

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "repo/pack_format.h"

using namespace strata;
using namespace strata::repo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint64_t data_end = 0;
  ByteView plain(data, size);
  if (size >= 8) {
    data_end = get_u64le(data);
    plain = ByteView(data + 8, size - 8);
  }
  std::vector<PackEntry> entries;
  std::string reason;
  if (parse_pack_header(plain, data_end, entries, reason)) {
    // Accepted headers must be internally consistent and re-encode identically.
    uint64_t expected = kPackPreambleSize;
    for (const auto& e : entries) {
      if (e.offset != expected || e.stored_len < 28) __builtin_trap();
      expected += e.stored_len;
    }
    if (expected != data_end) __builtin_trap();
    Bytes again = encode_pack_header(entries);
    if (again.size() != plain.size() || !std::equal(again.begin(), again.end(), plain.begin()))
      __builtin_trap();
  } else if (reason.empty()) {
    __builtin_trap();  // a rejection must say why
  }
  if (size >= kPackTrailerSize) {
    Bytes last(data + size - kPackTrailerSize, data + size);
    uint32_t len = parse_pack_trailer(last);
    if (len != 0 && pack_trailer(len) != last) __builtin_trap();
  }
  parse_pack_trailer(ByteView(data, size < kPackTrailerSize ? size : kPackTrailerSize));
  check_pack_preamble(ByteView(data, size));
  return 0;
}
