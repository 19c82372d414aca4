// libFuzzer target: parse_index on arbitrary index plaintext must reject malformed
// input without crashing, leaking or allocating in proportion to claimed counts;
// whatever it accepts must re-encode to exactly the same bytes.
// The parser's translation unit is compiled into this target (and so takes
// precedence over the copy in libstrata_repo.a, which the linker then never pulls):
// the CMake fuzz build instruments only the fuzz_*.cpp sources, and without this
// libFuzzer would get no coverage feedback from the parser and ASan/UBSan would not
// see its memory accesses.
#include "repo/index_format.cpp"  // NOLINT(bugprone-suspicious-include)
#include "repo/pack_format.cpp"  // NOLINT(bugprone-suspicious-include)

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "repo/index_format.h"

using namespace strata;
using namespace strata::repo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<IndexedPack> packs;
  std::string reason;
  if (parse_index(ByteView(data, size), packs, reason)) {
    for (const auto& p : packs)
      for (const auto& e : p.blobs)
        if (e.stored_len < 28 || e.offset < kPackPreambleSize ||
            (e.type != BlobType::data && e.type != BlobType::tree))
          __builtin_trap();
    Bytes again = encode_index(packs);
    if (again.size() != size || !std::equal(again.begin(), again.end(), data)) __builtin_trap();
  } else if (reason.empty()) {
    __builtin_trap();
  }
  return 0;
}
