// Native-only allocator tuning. The engine allocates signal-sized buffers (several
// MB) per call; by default glibc serves those with mmap and returns them to the
// kernel on free, so every ITO step page-faults and flushes the TLB anew (measured:
// chain backward 450 ms instead of 105 ms on 30 s of audio). Keeping them on the heap
// removes that.
#pragma once

namespace ito {

void tune_allocator_for_large_buffers();

}  // namespace ito
