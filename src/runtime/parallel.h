// The one thread policy and thread pool of the library. `threads` = 0 means every core this
// process may run on; a call never uses more cores than it asked for, and never changes a
// setting another call depends on.
//
// The pool's workers are started once and stay warm (spinning briefly, then sleeping), which
// the short steps inside one layer need (a product, attention's heads). It is fork-safe: a
// child process starts a fresh pool on first use instead of waiting on threads that fork did
// not copy. A call that finds the pool busy (another thread's call, or a nested call) runs its
// parts on the calling thread: the results are the same, since work is split, never a sum.
#pragma once

#include <cstddef>
#include <functional>

namespace bertcpp::runtime {

// Cores this process may run on (its CPU affinity), at least 1.
int available_cores();

// 0 -> available_cores(); N > 0 -> min(N, available_cores()). Throws std::invalid_argument
// naming the value for a negative count.
int resolve_threads(int requested);

// Runs fn(index, worker) for index in [0, n) on up to `threads` threads (the caller is worker
// 0), handing out indices one at a time. The first exception thrown is rethrown here, after
// every started index has finished.
void parallel_for(size_t n, int threads, const std::function<void(size_t index, int worker)>& fn);

// Splits [0, n) into up to `threads` contiguous ranges of about equal size and runs
// fn(begin, end, worker) on each, worker in [0, threads). fn must not throw.
void parallel_ranges(size_t n, int threads, const std::function<void(size_t begin, size_t end, int worker)>& fn);

}  // namespace bertcpp::runtime
