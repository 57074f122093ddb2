#include "server/metrics.h"

#include <sstream>

namespace bertcpp::server {

namespace {

const std::vector<double> kSeconds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

void render_histogram(std::ostringstream& out, const std::string& name, const std::string& help, const Histogram& h) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    cumulative += h.counts[i];
    out << name << "_bucket{le=\"" << h.bounds[i] << "\"} " << cumulative << '\n';
  }
  out << name << "_bucket{le=\"+Inf\"} " << h.count << '\n';
  out << name << "_sum " << h.sum << '\n' << name << "_count " << h.count << '\n';
}

}  // namespace

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds.size() && value > bounds[i]) ++i;
  ++counts[i];
  sum += value;
  ++count;
}

Metrics::Metrics()
    : request_seconds_(kSeconds),
      queue_seconds_(kSeconds),
      compute_seconds_(kSeconds),
      batch_sequences_({1, 2, 4, 8, 16, 32, 64, 128, 256, 512}),
      batch_tokens_({64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768}) {}

void Metrics::request(const std::string& endpoint, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{endpoint, status}];
  request_seconds_.observe(seconds);
}

void Metrics::batch(size_t sequences, size_t tokens, double compute_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++batches_;
  batch_sequences_.observe(static_cast<double>(sequences));
  batch_tokens_.observe(static_cast<double>(tokens));
  compute_seconds_.observe(compute_seconds);
}

void Metrics::queued(double wait_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_seconds_.observe(wait_seconds);
}

void Metrics::tokens(size_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  tokens_ += n;
}

void Metrics::abandoned() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++abandoned_;
}

void Metrics::set_queue_depth(size_t depth) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_depth_ = depth;
}

void Metrics::in_flight(int delta) {
  std::lock_guard<std::mutex> lock(mutex_);
  in_flight_ += delta;
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::ostringstream out;
  out << "# HELP bertcpp_requests_total HTTP requests answered, by endpoint and status\n"
         "# TYPE bertcpp_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out << "bertcpp_requests_total{endpoint=\"" << key.first << "\",status=\"" << key.second << "\"} " << n << '\n';
  out << "# HELP bertcpp_tokens_total Tokens encoded (incl. [CLS]/[SEP])\n# TYPE bertcpp_tokens_total counter\n"
      << "bertcpp_tokens_total " << tokens_ << '\n';
  out << "# HELP bertcpp_batches_total Batches run through the model\n# TYPE bertcpp_batches_total counter\n"
      << "bertcpp_batches_total " << batches_ << '\n';
  out << "# HELP bertcpp_abandoned_total Requests dropped before their batch ran (client gone or timed out)\n"
         "# TYPE bertcpp_abandoned_total counter\n"
      << "bertcpp_abandoned_total " << abandoned_ << '\n';
  out << "# HELP bertcpp_queue_depth Requests waiting for a batch\n# TYPE bertcpp_queue_depth gauge\n"
      << "bertcpp_queue_depth " << queue_depth_ << '\n';
  out << "# HELP bertcpp_requests_in_flight Requests read and not yet answered (this one included)\n"
         "# TYPE bertcpp_requests_in_flight gauge\n"
      << "bertcpp_requests_in_flight " << in_flight_ << '\n';
  render_histogram(out, "bertcpp_request_duration_seconds", "Time from request to response", request_seconds_);
  render_histogram(out, "bertcpp_queue_duration_seconds", "Time a request waited for its batch", queue_seconds_);
  render_histogram(out, "bertcpp_batch_compute_seconds", "Time one batch spent in the model", compute_seconds_);
  render_histogram(out, "bertcpp_batch_sequences", "Sequences per batch", batch_sequences_);
  render_histogram(out, "bertcpp_batch_tokens", "Tokens per batch", batch_tokens_);
  return out.str();
}

}  // namespace bertcpp::server
