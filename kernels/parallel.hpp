// A persistent worker pool for data-parallel loops: the kernels split rows or keys across the
// machine's cores without paying a thread start per call (a decode step makes hundreds of calls).
#pragma once

#include <cstdint>
#include <functional>

namespace envforge::kernels {

// Threads used by parallel_for (the caller included). Defaults to the hardware concurrency or
// ENVFORGE_THREADS; set_threads changes it for later calls (1 = serial).
int n_threads();
void set_threads(int n);

// Calls fn(begin, end) over disjoint chunks covering [0, n), each at least `grain` long, on all
// threads, and returns when every chunk is done. Nested calls run serially on the calling thread.
// An exception thrown by fn on any thread stops the remaining chunks and is rethrown to the caller
// after every thread has left fn.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace envforge::kernels
