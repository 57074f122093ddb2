// What every endpoint shares: the Encoder, the request limits, the batcher and the metrics.
// Endpoints turn JSON into inputs, call tokenize/from_tokens/from_ids, then embed.
#pragma once

#include "server/batcher.h"
#include "server/metrics.h"
#include "server/server.h"

#include <bertcpp/encoder.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace bertcpp::server {

// Thrown by Service::embed when the client disconnected: nobody is left to answer.
struct ClientGone : std::exception {
  const char* what() const noexcept override { return "the client disconnected"; }
};

class Service {
 public:
  explicit Service(const ServerOptions& options);
  ~Service();

  // Texts -> encodings (truncated to max_length, default the server's --max-seq-len), after
  // the count and size limits (HttpError 413) and the length check (HttpError 400).
  std::vector<Encoding> tokenize(const std::vector<TextInput>& texts, std::optional<size_t> max_length = std::nullopt) const;
  // bert-as-service's is_tokenized: token lists, "|||" between the two parts of a pair.
  std::vector<Encoding> from_tokens(const std::vector<std::vector<std::string>>& tokens) const;
  // Token ids run as given (as /tokenize returns them, [CLS] and [SEP] included).
  std::vector<Encoding> from_ids(const std::vector<std::vector<int64_t>>& ids) const;
  // Throws HttpError 400 for token id `id` (written as the client sent it) of input `input`,
  // token `token`: outside the model's vocabulary.
  [[noreturn]] void id_outside_vocabulary(size_t input, size_t token, const std::string& id) const;

  // The encodings' rows, computed in a batch with other requests. client_gone is polled while
  // waiting: when it says true the work is dropped and ClientGone thrown. HttpError 503 when
  // the queue is full, 504 after --timeout, 400 when the encoder refuses the input.
  RowMatrix embed(const std::vector<Encoding>& encodings, const std::function<bool()>& client_gone);
  // The classifier's logits [n, labels] for the encodings, through the same queue as embed.
  // HttpError 424 when the model has no sequence-classification head (check it before
  // tokenizing with require_classifier, so the client hears that first).
  RowMatrix classify(const std::vector<Encoding>& encodings, const std::function<bool()>& client_gone);
  const SequenceClassifier& require_classifier() const;

  // Stops taking work and finishes what is queued.
  void drain();
  bool draining() const { return draining_; }

  const Encoder& encoder() const { return encoder_; }
  const ServerOptions& options() const { return options_; }
  Metrics& metrics() { return metrics_; }
  size_t queued() const { return batcher_.queued(); }
  uint64_t requests_embedded() const { return embedded_; }
  std::string model_name() const;
  // Tokens a sequence may hold: --max-seq-len, else the model's max_position_embeddings.
  size_t max_tokens() const;

 private:
  RowMatrix run(JobKind kind, const std::vector<Encoding>& encodings, const std::function<bool()>& client_gone);
  void check_count(size_t n) const;
  void check_lengths(const std::vector<Encoding>& encodings) const;

  ServerOptions options_;
  Encoder encoder_;
  Metrics metrics_;
  Batcher batcher_;
  std::atomic<bool> draining_{false};
  std::atomic<uint64_t> embedded_{0};
};

}  // namespace bertcpp::server
