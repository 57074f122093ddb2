// The thread pool and the thread policy: every index run exactly once, errors carried back,
// nested and concurrent calls, a busy pool, `threads` = 1 starting no thread, and fork: a
// child process of a parent that used the pool runs parallel work instead of hanging.
#include "runtime/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace bertcpp::runtime {
namespace {

int thread_count() {  // threads of this process, from /proc
  int n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

// Runs `child` in a forked process bounded by `seconds`; true when it exits 0.
template <typename Child>
bool in_child(Child&& child, unsigned seconds = 20) {
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(seconds);  // a hang ends as SIGALRM, not as a stuck test
    _exit(child() ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(ThreadPolicy, ZeroIsEveryCoreAndCountsAreCappedAtTheCores) {
  EXPECT_GE(available_cores(), 1);
  EXPECT_EQ(resolve_threads(0), available_cores());
  EXPECT_EQ(resolve_threads(1), 1);
  EXPECT_EQ(resolve_threads(100000), available_cores());
  try {
    resolve_threads(-5);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("threads = -5"), std::string::npos) << e.what();
  }
}

TEST(ParallelRanges, CoverEveryIndexOnceForAnyCountAndSplit) {
  for (size_t n : {0, 1, 2, 3, 7, 64, 1000}) {
    for (int threads : {1, 2, 3, 16}) {
      std::vector<std::atomic<int>> hits(n);
      parallel_ranges(n, threads, [&](size_t begin, size_t end, int worker) {
        EXPECT_LT(worker, threads);
        for (size_t i = begin; i < end; ++i) hits[i]++;
      });
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << n << " items, " << threads << " threads";
    }
  }
}

TEST(ParallelFor, RethrowsTheFirstErrorAndStops) {
  // Once an item has thrown, the other threads stop at their next index (after the exception
  // has unwound to the pool, some microseconds): far from all of the remaining items run.
  std::atomic<int> ran{0};
  EXPECT_THROW(parallel_for(2000, 2, [&](size_t i, int) {
                 ran++;
                 if (i == 10) throw std::runtime_error("item 10");
                 std::this_thread::sleep_for(std::chrono::microseconds(20));
               }),
               std::runtime_error);
  EXPECT_LT(ran.load(), 200);
}

TEST(ParallelFor, NestedCallsRunOnTheirCallerAndFinish) {
  std::atomic<int> inner{0};
  parallel_for(4, 2, [&](size_t, int) {
    parallel_ranges(10, 2, [&](size_t b, size_t e, int) { inner += static_cast<int>(e - b); });
  });
  EXPECT_EQ(inner.load(), 40);
}

TEST(ParallelRanges, ConcurrentCallersEachGetTheirWholeResult) {
  std::vector<std::thread> callers;
  std::atomic<int> wrong{0};
  for (int c = 0; c < 6; ++c) {
    callers.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        std::vector<int> out(97, 0);
        parallel_ranges(out.size(), 2, [&](size_t b, size_t e, int) {
          for (size_t i = b; i < e; ++i) out[i] = static_cast<int>(i);
        });
        for (size_t i = 0; i < out.size(); ++i) wrong += out[i] != static_cast<int>(i);
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ParallelRanges, OneThreadStartsNoThread) {
  EXPECT_TRUE(in_child([] {  // a fresh process: the pool has not been made yet
    const int before = thread_count();
    int sum = 0;
    parallel_ranges(100, 1, [&](size_t b, size_t e, int) { sum += static_cast<int>(e - b); });
    parallel_for(100, 1, [&](size_t, int) { ++sum; });
    return sum == 200 && thread_count() == before;
  }));
}

TEST(Fork, AChildOfAProcessThatUsedThePoolRunsParallelWork) {
  std::atomic<int> warm{0};
  parallel_ranges(64, 2, [&](size_t b, size_t e, int) { warm += static_cast<int>(e - b); });  // pool in use
  ASSERT_EQ(warm.load(), 64);
  for (int generation = 0; generation < 2; ++generation) {  // a child, and that child's child
    EXPECT_TRUE(in_child([] {
      std::atomic<int> sum{0};
      parallel_ranges(64, 2, [&](size_t b, size_t e, int) { sum += static_cast<int>(e - b); });
      const bool grandchild = in_child([] {
        std::atomic<int> s{0};
        parallel_for(50, 2, [&](size_t, int) { s++; });
        return s.load() == 50;
      });
      return sum.load() == 64 && grandchild;
    })) << "generation " << generation;
  }
}

// GCC 12's ASan and TSan runtimes do not hold their allocator's lock across fork: a child forked
// while another thread is inside malloc waits on the sanitizer's lock forever (seen under gdb in
// the child: its worker in SizeClassAllocator64::GetFromAllocator). Fork while another thread
// runs is therefore tested in the plain build only; the library's fork handling is the same code.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BERTCPP_SKIP_FORK_WITH_THREADS() GTEST_SKIP() << "the sanitizer's allocator is not fork-safe with threads"
#else
#define BERTCPP_SKIP_FORK_WITH_THREADS() (void)0
#endif

// Forks five children while another thread keeps calling the pool; true when each child ran
// its own parallel work.
bool children_run_while_another_thread_uses_the_pool() {
  std::atomic<bool> stop{false};
  std::thread busy([&] {
    while (!stop) parallel_ranges(1000, 2, [](size_t, size_t, int) {});
  });
  bool ok = true;
  for (int i = 0; i < 5; ++i) {
    ok &= in_child([] {
      std::atomic<int> s{0};
      parallel_ranges(10, 2, [&](size_t b, size_t e, int) { s += static_cast<int>(e - b); });
      return s.load() == 10;
    }, 10);
  }
  stop = true;
  busy.join();
  return ok;
}

TEST(Fork, WhileAnotherThreadIsInsideThePool) {
  BERTCPP_SKIP_FORK_WITH_THREADS();
  EXPECT_TRUE(children_run_while_another_thread_uses_the_pool());
}

// The race needs a process whose pool is not made yet, so each round is this test binary run
// afresh: another thread makes the pool (its first parallel call) while the main thread forks. The
// fork handlers used to be registered by that first call, under the pool's lock: a fork in
// between copied the lock, taken, into a child that waited on it forever (about 1 run in 15).
constexpr const char* kRaceRound = "BERTCPP_TEST_FORK_RACE_ROUND";

TEST(Fork, WhileAnotherThreadMakesThePoolInAFreshProcess) {
  BERTCPP_SKIP_FORK_WITH_THREADS();
  if (std::getenv(kRaceRound) != nullptr) {  // one round, in the fresh process
    EXPECT_TRUE(children_run_while_another_thread_uses_the_pool()) << "a child hung or failed";
    return;
  }
  int failed = 0;
  for (int round = 0; round < 60; ++round) {
    const pid_t pid = fork();
    if (pid == 0) {
      setenv(kRaceRound, "1", 1);
      alarm(60);  // kept across exec: a hung round ends as SIGALRM
      execl("/proc/self/exe", "parallel_test", "--gtest_filter=Fork.WhileAnotherThreadMakesThePoolInAFreshProcess",
            "--gtest_brief=1", static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(failed, 0) << failed << " of 60 fresh processes failed";
}

}  // namespace
}  // namespace bertcpp::runtime
