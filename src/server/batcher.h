// Batching across requests: requests from many clients wait in one bounded queue; one thread
// takes as many as fit a token budget, runs them through the Encoder in one call and hands
// each its rows. The Encoder's results do not depend on how sequences are grouped, so a
// request gets the same bits as an in-process Encoder::encode_encodings of its inputs.
#pragma once

#include "server/metrics.h"

#include <bertcpp/encoder.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace bertcpp::server {

using Clock = std::chrono::steady_clock;

// What a job's rows are: pooled embeddings (Encoder::encode_encodings) or classifier logits
// (Encoder::predict_encodings). A batch holds jobs of one kind.
enum class JobKind { Embed, Classify };

struct Job {
  JobKind kind = JobKind::Embed;
  std::vector<Encoding> encodings;
  size_t tokens = 0;
  Clock::time_point enqueued;
  std::atomic<bool> abandoned{false};  // set by the request's thread: nobody waits for the rows any more
  std::promise<RowMatrix> result;      // rows in input order, or the error
};

class Batcher {
 public:
  // Runs encoder (which must outlive this) on its own thread: the one place model work happens,
  // so the encoder's `threads` is the whole server's compute budget.
  Batcher(const Encoder& encoder, size_t max_batch_tokens, size_t max_queue, Metrics& metrics);
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues the job; false (and nothing queued) when max_queue jobs are already waiting.
  bool submit(const std::shared_ptr<Job>& job);
  // Finishes every queued job, then ends the thread. Later submits are refused.
  void stop();
  size_t queued() const;

 private:
  void run();
  std::vector<std::shared_ptr<Job>> take_batch();
  void encode(const std::vector<std::shared_ptr<Job>>& batch);

  const Encoder& encoder_;
  const size_t max_batch_tokens_, max_queue_;
  Metrics& metrics_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace bertcpp::server
