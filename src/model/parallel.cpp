#include "model/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <dlfcn.h>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace bertcpp::detail {

int resolve_threads(int requested) {
  if (requested > 0) return requested;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

void parallel_for(size_t n, int threads, const std::function<void(size_t, int)>& fn) {
  const int workers = static_cast<int>(std::min<size_t>(n, static_cast<size_t>(std::max(threads, 1))));
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i, 0);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto run = [&](int worker) {
    try {
      for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i, worker);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      next.store(n);  // the others stop at their next index
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(workers - 1));
  for (int w = 1; w < workers; ++w) pool.emplace_back(run, w);
  run(0);
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

void parallel_ranges(size_t n, int threads, const std::function<void(size_t, size_t, int)>& fn) {
  const int workers = static_cast<int>(std::min<size_t>(n, static_cast<size_t>(std::max(threads, 1))));
  if (workers <= 1) {
    if (n > 0) fn(0, n, 0);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(workers)
  {
    // The team may be smaller than asked for (nested regions, OMP_THREAD_LIMIT): split by its size.
    const auto team = static_cast<size_t>(omp_get_num_threads());
    const auto me = static_cast<size_t>(omp_get_thread_num());
    const size_t begin = n * me / team, end = n * (me + 1) / team;
    if (begin < end) fn(begin, end, static_cast<int>(me));
  }
#else  // built without OpenMP (-DBERTCPP_OPENMP=OFF, e.g. for TSan): threads started per call
  const auto team = static_cast<size_t>(workers);
  parallel_for(team, workers, [&](size_t i, int) { fn(n * i / team, n * (i + 1) / team, static_cast<int>(i)); });
#endif
}

void set_blas_threads(int threads) {
  // Looked up at run time: Debian's libblas.so.3 alternative is OpenBLAS but exports only the
  // BLAS symbols, while openblas_set_num_threads lives in libopenblas.so.0 that it pulls in.
  using SetThreads = void (*)(int);
  static const SetThreads set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  static std::atomic<int> current{0};  // process-wide, like the setting; skip repeated calls
  if (set != nullptr && threads != current.load()) {
    set(std::max(threads, 1));
    current.store(threads);
  }
}

}  // namespace bertcpp::detail
