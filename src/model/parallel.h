// Small fork-join helpers for the encoder (groups of sequences run on their own threads) and
// the BLAS thread count.
#pragma once

#include <cstddef>
#include <functional>

namespace bertcpp::detail {

// 0 -> all cores; never less than 1.
int resolve_threads(int requested);

// Runs fn(index, worker) for index in [0, n) on up to `threads` threads (the caller is worker
// 0), handing out indices one at a time. The first exception thrown is rethrown here.
void parallel_for(size_t n, int threads, const std::function<void(size_t index, int worker)>& fn);

// Splits [0, n) into up to `threads` contiguous ranges of about equal size and runs
// fn(begin, end, worker) on each at once (worker in [0, threads)), on OpenMP's pool: its
// threads stay warm between calls, which the short steps inside one layer (a product,
// attention's heads) need. Without OpenMP, threads are started per call. fn must not throw.
void parallel_ranges(size_t n, int threads, const std::function<void(size_t begin, size_t end, int worker)>& fn);

// Sets OpenBLAS's thread count when the library linked in is OpenBLAS; otherwise does nothing.
void set_blas_threads(int threads);

}  // namespace bertcpp::detail
