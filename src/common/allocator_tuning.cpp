// See allocator_tuning.h.
#include "common/allocator_tuning.h"

#include <malloc.h>

namespace strata {

void tune_allocator_for_large_buffers() {
  // Buffers up to 32 MiB come from the heap instead of their own mappings, and
  // up to 256 MiB of free memory at the top of a heap is kept instead of being
  // returned to the kernel. Setting either also stops glibc's dynamic threshold.
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
}

}  // namespace strata
