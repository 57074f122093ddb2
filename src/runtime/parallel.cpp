#include "runtime/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sched.h>

namespace bertcpp::runtime {

namespace {

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

// How long an idle worker (or a waiting caller) spins before it sleeps: long enough to bridge
// the gap between two products of one layer, short enough not to burn a core between calls.
constexpr std::chrono::microseconds kSpin{200};
constexpr int kMaxTeam = 255;  // the team size shares a word with the job's generation

// Spins on `ready` for up to kSpin; false if it still is not ready.
template <typename Ready>
bool spin_until(Ready&& ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (int i = 1;; ++i) {
    if (ready()) return true;
    cpu_relax();
    if (i % 64 == 0 && std::chrono::steady_clock::now() > deadline) return false;
  }
}

class Pool {
 public:
  explicit Pool(int workers) {
    threads_.reserve(static_cast<size_t>(workers));
    for (int i = 0; i < workers; ++i) {
      try {
        threads_.emplace_back([this, i] { work(i + 1); });
      } catch (const std::system_error&) {
        break;  // the system refused a thread: run with the ones it gave
      }
    }
  }
  // Never destroyed: its threads live as long as the process (or until fork leaves them behind).

  int size() const { return static_cast<int>(threads_.size()); }

  // Runs fn(member) for member in [0, team), the caller as member 0. Returns false, having run
  // nothing, when another call holds the pool (or this thread is inside one already).
  bool try_run(int team, const std::function<void(int)>& fn) {
    bool expected = false;
    if (!busy_.compare_exchange_strong(expected, true, std::memory_order_acquire)) return false;
    team = std::min({team, size() + 1, kMaxTeam});
    job_ = &fn;
    pending_.store(team - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_ += 1;
      state_.store((generation_ << 8) | static_cast<uint64_t>(team), std::memory_order_release);
    }
    wake_.notify_all();
    fn(0);
    if (!spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    busy_.store(false, std::memory_order_release);
    return true;
  }

 private:
  void work(int member) {
    uint64_t seen = 0;  // the generation before the first job: a worker that starts late still runs it
    for (;;) {
      uint64_t state = 0;
      auto fresh = [&] {
        state = state_.load(std::memory_order_acquire);
        return (state >> 8) != seen;
      };
      if (!spin_until(fresh)) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, fresh);
      }
      seen = state >> 8;
      const int team = static_cast<int>(state & 0xFF);
      if (member >= team) continue;
      (*job_)(member);  // job_ stays until every member has finished
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_one();
      }
    }
  }

  std::atomic<bool> busy_{false};
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  uint64_t generation_ = 0;          // under mutex_
  std::atomic<uint64_t> state_{0};   // generation << 8 | team
  std::atomic<int> pending_{0};      // members other than the caller still running
  const std::function<void(int)>* job_ = nullptr;
  std::vector<std::thread> threads_;
};

// The process's pool, made on first use. fork copies only the calling thread, so a child
// must not wait on the parent's workers: it forgets the pool (leaking the copy) and makes
// its own on first use.
std::mutex pool_mutex;
Pool* the_pool = nullptr;

void before_fork() { pool_mutex.lock(); }
void after_fork_parent() { pool_mutex.unlock(); }
void after_fork_child() {
  the_pool = nullptr;
  pool_mutex.unlock();
}

// Registered when the library loads, before any thread can hold pool_mutex: registered lazily
// by the first caller, a fork from another thread in between copied the mutex locked into a
// child that then waited on it forever.
const bool fork_handlers_registered =
    pthread_atfork(before_fork, after_fork_parent, after_fork_child) == 0;

Pool& pool() {
  std::lock_guard<std::mutex> lock(pool_mutex);
  if (the_pool == nullptr) the_pool = new Pool(std::min(available_cores(), kMaxTeam) - 1);
  return *the_pool;
}

int count_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

}  // namespace

int available_cores() {
  static const int cores = count_cores();
  return cores;
}

namespace {
// Made when the library loads: made lazily, a fork from another thread during the first call
// would copy a half-made static (its guard taken) into a child that then waits on it forever.
[[maybe_unused]] const int cores_at_load = available_cores();
}  // namespace

int resolve_threads(int requested) {
  if (requested < 0) {
    throw std::invalid_argument("threads = " + std::to_string(requested) +
                                ": must be 0 (every core) or a positive number of threads");
  }
  const int cores = available_cores();
  return requested == 0 ? cores : std::min(requested, cores);
}

void parallel_for(size_t n, int threads, const std::function<void(size_t, int)>& fn) {
  const int workers = static_cast<int>(std::min<size_t>(n, static_cast<size_t>(std::max(threads, 1))));
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  const std::function<void(int)> member = [&](int worker) {
    try {
      for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i, worker);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      next.store(n);  // the others stop at their next index
    }
  };
  if (workers <= 1 || !pool().try_run(workers, member)) member(0);
  if (error) std::rethrow_exception(error);
}

void parallel_ranges(size_t n, int threads, const std::function<void(size_t, size_t, int)>& fn) {
  const int workers = static_cast<int>(std::min<size_t>(n, static_cast<size_t>(std::max(threads, 1))));
  if (workers <= 1) {
    if (n > 0) fn(0, n, 0);
    return;
  }
  Pool& p = pool();
  const auto team = static_cast<size_t>(std::min(workers, p.size() + 1));
  const std::function<void(int)> member = [&](int m) {
    const auto i = static_cast<size_t>(m);
    if (n * i / team < n * (i + 1) / team) fn(n * i / team, n * (i + 1) / team, m);
  };
  if (team > 1 && p.try_run(static_cast<int>(team), member)) return;
  for (size_t i = 0; i < team; ++i) member(static_cast<int>(i));  // busy or no workers: same split, here
}

}  // namespace bertcpp::runtime
