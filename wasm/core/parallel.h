// parallel_for over [0, n): a small persistent thread pool natively and in the browser's
// threaded build (engine_mt, Emscripten pthreads), a plain loop in the browser's other build.
// Nested calls run serially on the calling thread,
// so a kernel may call it whether or not its caller already runs in parallel.
#pragma once
#include <functional>

namespace ito {

// Sets the number of worker threads (1 = serial). Default: hardware concurrency (in the
// browser at most 8, the pthread Workers its module starts, and never more).
// Call it before work starts, not while another thread is inside parallel_for.
void set_num_threads(int n);
int num_threads();

// Calls fn(i) for every i in [0, n), spread over the pool; returns when all are done.
// If fn throws, the remaining indices may be skipped and the first exception is rethrown.
void parallel_for(int n, const std::function<void(int)>& fn);

}  // namespace ito
