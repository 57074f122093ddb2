// Wall-clock timing: one warm-up run, then the median of `reps` runs.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace bertcpp::bench {

template <typename Fn>
double median_seconds(int reps, Fn&& fn) {
  fn();  // warm-up: first-touch page faults, BLAS buffers, caches
  std::vector<double> times;
  for (int i = 0; i < std::max(reps, 1); ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + static_cast<long>(times.size() / 2), times.end());
  return times[times.size() / 2];
}

template <typename Fn>
double seconds_once(Fn&& fn) {
  const auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace bertcpp::bench
