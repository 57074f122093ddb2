// The server's counters and histograms, rendered in Prometheus' text format (GET /metrics).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace bertcpp::server {

// Cumulative-bucket histogram, Prometheus style (le="..." upper bounds, +Inf last).
struct Histogram {
  explicit Histogram(std::vector<double> bounds) : bounds(std::move(bounds)), counts(this->bounds.size() + 1, 0) {}
  void observe(double value);
  std::vector<double> bounds;
  std::vector<uint64_t> counts;  // per bucket, not cumulative; the last is > every bound
  double sum = 0;
  uint64_t count = 0;
};

class Metrics {
 public:
  Metrics();
  void request(const std::string& endpoint, int status, double seconds);
  void batch(size_t sequences, size_t tokens, double compute_seconds);
  void queued(double wait_seconds);
  void tokens(size_t n);
  void abandoned();  // a request whose client left or timed out before its batch ran
  void set_queue_depth(size_t depth);
  void in_flight(int delta);  // requests read and not yet answered
  std::string render() const;  // Prometheus text exposition format 0.0.4

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  Histogram request_seconds_, queue_seconds_, compute_seconds_, batch_sequences_, batch_tokens_;
  uint64_t tokens_ = 0, abandoned_ = 0, batches_ = 0;
  size_t queue_depth_ = 0;
  long in_flight_ = 0;
};

}  // namespace bertcpp::server
