#include "server/batcher.h"

#include <malloc.h>

namespace bertcpp::server {

namespace {

constexpr std::chrono::milliseconds kIdle{500};  // no request for this long: the server is idle

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

Batcher::Batcher(const Encoder& encoder, size_t max_batch_tokens, size_t max_queue, Metrics& metrics)
    : encoder_(encoder), max_batch_tokens_(max_batch_tokens), max_queue_(max_queue), metrics_(metrics) {
  thread_ = std::thread([this] { run(); });
}

Batcher::~Batcher() { stop(); }

bool Batcher::submit(const std::shared_ptr<Job>& job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= max_queue_) return false;
    job->enqueued = Clock::now();
    queue_.push_back(job);
    metrics_.set_queue_depth(queue_.size());
  }
  wake_.notify_one();
  return true;
}

void Batcher::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

size_t Batcher::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

// FIFO: jobs in arrival order while their tokens fit the budget and they are of the first
// job's kind (the first always fits, so a request larger than the budget still runs, alone).
// Abandoned jobs are dropped here, unrun.
std::vector<std::shared_ptr<Job>> Batcher::take_batch() {
  std::unique_lock<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<Job>> batch;
  if (!wake_.wait_for(lock, kIdle, [this] { return stopping_ || !queue_.empty(); })) return batch;
  size_t tokens = 0;
  while (!queue_.empty()) {
    const std::shared_ptr<Job>& job = queue_.front();
    if (job->abandoned) {
      metrics_.abandoned();
      job->result.set_exception(std::make_exception_ptr(Cancelled()));
      queue_.pop_front();
      continue;
    }
    if (!batch.empty() && (tokens + job->tokens > max_batch_tokens_ || job->kind != batch.front()->kind)) break;
    tokens += job->tokens;
    batch.push_back(job);
    queue_.pop_front();
  }
  metrics_.set_queue_depth(queue_.size());
  return batch;
}

void Batcher::run() {
  bool trimmed = true;
  for (;;) {
    std::vector<std::shared_ptr<Job>> batch = take_batch();
    if (batch.empty()) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_ && queue_.empty()) return;
      }
      // Idle after work: hand the freed batch buffers back to the system, so the server's
      // memory returns to its resting size between bursts instead of staying at the peak.
      if (!trimmed) malloc_trim(0);
      trimmed = true;
      continue;
    }
    trimmed = false;
    encode(batch);
  }
}

void Batcher::encode(const std::vector<std::shared_ptr<Job>>& batch) {
  std::vector<Encoding> all;
  size_t tokens = 0;
  for (const auto& job : batch) {
    metrics_.queued(seconds_since(job->enqueued));
    all.insert(all.end(), job->encodings.begin(), job->encodings.end());
    tokens += job->tokens;
  }
  // Between forward passes: give up when every client of this batch has gone.
  auto anyone_waiting = [&](size_t, size_t) {
    for (const auto& job : batch)
      if (!job->abandoned) return true;
    return false;
  };
  const Clock::time_point start = Clock::now();
  try {
    RowMatrix rows = batch.front()->kind == JobKind::Classify ? encoder_.predict_encodings(all, anyone_waiting)
                                                              : encoder_.encode_encodings(all, anyone_waiting);
    metrics_.batch(all.size(), tokens, seconds_since(start));
    metrics_.tokens(tokens);
    Eigen::Index offset = 0;
    for (const auto& job : batch) {
      const auto n = static_cast<Eigen::Index>(job->encodings.size());
      job->result.set_value(rows.middleRows(offset, n));
      offset += n;
    }
  } catch (const Cancelled&) {
    for (const auto& job : batch) {
      metrics_.abandoned();
      job->result.set_exception(std::current_exception());
    }
  } catch (...) {
    // Requests are checked before they are queued, so this is not expected. One request's
    // fault must not fail the others: run each alone so only the culprit gets the error.
    if (batch.size() == 1) {
      batch[0]->result.set_exception(std::current_exception());
      return;
    }
    for (const auto& job : batch) encode({job});
  }
}

}  // namespace bertcpp::server
