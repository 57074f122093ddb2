// Wall-clock timing: one warm-up run, then the median of `reps` runs; or two competitors in turns.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>
#include <vector>

namespace bertcpp::bench {

// The median of v (reordered).
inline double median_of(std::vector<double>& v) {
  std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

template <typename Fn>
double median_seconds(int reps, Fn&& fn) {
  fn();  // warm-up: first-touch page faults, BLAS buffers, caches
  std::vector<double> times;
  for (int i = 0; i < std::max(reps, 1); ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return median_of(times);
}

template <typename Fn>
double seconds_once(Fn&& fn) {
  const auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Two competitors timed in turns, a b b a a b ..., after one warm-up each: on a shared machine
// whose speed drifts over minutes, both medians then come from the same minutes. Each of
// time_a, time_b runs once and returns its seconds. Every run starts `settle` after the last
// one ended, so that neither runs beside the other's idle threads: ONNX Runtime's spin on a
// core for about 40 ms after a run, bertcpp's for 0.2 ms. Returns {median a, median b}.
template <typename A, typename B>
std::pair<double, double> paired_median_seconds(int reps, A&& time_a, B&& time_b,
                                                std::chrono::milliseconds settle = std::chrono::milliseconds(100)) {
  std::vector<double> a, b;
  auto run = [&](auto& time, std::vector<double>* into) {
    std::this_thread::sleep_for(settle);
    const double seconds = time();
    if (into != nullptr) into->push_back(seconds);
  };
  run(time_a, nullptr);  // warm-ups
  run(time_b, nullptr);
  for (int i = 0; i < std::max(reps, 1); ++i) {
    if (i % 2 == 0) {
      run(time_a, &a);
      run(time_b, &b);
    } else {
      run(time_b, &b);
      run(time_a, &a);
    }
  }
  return {median_of(a), median_of(b)};
}

}  // namespace bertcpp::bench
