#include "common/server_allocator.h"

#include <malloc.h>

namespace kiln {

void ConfigureAllocatorForServing() {
  // mallopt only fails on values out of range; these are constants, and a refusal (under a
  // sanitizer's allocator, which ignores mallopt) leaves glibc's defaults, which also work.
  ::mallopt(M_ARENA_MAX, 2);
  ::mallopt(M_MMAP_THRESHOLD, 4 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 4 << 20);
}

}  // namespace kiln
