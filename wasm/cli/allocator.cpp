#include "cli/allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ito {

void tune_allocator_for_large_buffers() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);   // glibc's maximum
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);  // keep freed memory for reuse
  // One arena for all threads: glibc's per-thread arenas give freed memory back to the
  // kernel, and the worker threads of training and ITO would fault every page in again.
  mallopt(M_ARENA_MAX, 1);
#endif
}

}  // namespace ito
