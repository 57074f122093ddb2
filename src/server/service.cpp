#include "server/service.h"

#include "server/json_io.h"

#include <bertcpp/detail/model/bert_model.h>

#include <algorithm>
#include <chrono>

namespace bertcpp::server {

namespace {

std::string str(size_t v) { return std::to_string(v); }

}  // namespace

Service::Service(const ServerOptions& options)
    : options_(options),
      encoder_(options.encoder),
      batcher_(encoder_, options.max_batch_tokens, options.max_queue, metrics_) {}

Service::~Service() { drain(); }

std::string Service::model_name() const {
  std::string dir = encoder_.options().model_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const size_t slash = dir.rfind('/');
  return slash == std::string::npos ? dir : dir.substr(slash + 1);
}

size_t Service::max_tokens() const {
  return encoder_.max_tokens();
}

void Service::check_count(size_t n) const {
  if (n == 0) throw HttpError(400, "no inputs: send at least one text");
  if (n > options_.max_inputs)
    throw HttpError(413, str(n) + " inputs in one request, more than the server's --max-inputs = " + str(options_.max_inputs));
}

void Service::check_lengths(const std::vector<Encoding>& encodings) const {
  const size_t limit = max_tokens();
  for (size_t i = 0; i < encodings.size(); ++i) {
    if (encodings[i].size() == 0) throw HttpError(400, "input " + str(i) + " has no tokens");
    if (encodings[i].size() > limit)
      throw HttpError(400, "input " + str(i) + " has " + str(encodings[i].size()) + " tokens, more than the model's " +
                               str(limit) + "; send truncate=true (/embed) or start the server with --max-seq-len");
  }
}

std::vector<Encoding> Service::tokenize(const std::vector<TextInput>& texts, std::optional<size_t> max_length) const {
  check_count(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const size_t bytes = texts[i].a.size() + (texts[i].b ? texts[i].b->size() : 0);
    if (bytes > options_.max_input_bytes)
      throw HttpError(413, "input " + str(i) + " has " + str(bytes) + " bytes, more than the server's --max-input-bytes = " +
                               str(options_.max_input_bytes));
  }
  // Only an explicit --max-seq-len truncates by default: a longer text is an error the client
  // sees (TEI's and OpenAI's contract), unless the request asks to truncate.
  if (!max_length) max_length = encoder_.options().max_seq_len;
  // One thread: tokenizing runs on the request's own thread, beside the model's thread budget.
  std::vector<Encoding> encodings = encoder_.tokenizer().encode_batch(texts, max_length, 1);
  check_lengths(encodings);
  return encodings;
}

std::vector<Encoding> Service::from_tokens(const std::vector<std::vector<std::string>>& tokens) const {
  check_count(tokens.size());
  std::vector<Encoding> encodings;
  for (size_t i = 0; i < tokens.size(); ++i) {
    size_t bytes = 0;
    for (const auto& t : tokens[i]) bytes += t.size();
    if (bytes > options_.max_input_bytes)
      throw HttpError(413, "input " + str(i) + " has " + str(bytes) + " bytes, more than the server's --max-input-bytes = " +
                               str(options_.max_input_bytes));
    const auto split = std::find(tokens[i].begin(), tokens[i].end(), "|||");
    if (split == tokens[i].end()) {
      encodings.push_back(encoder_.tokenizer().encode_tokens(tokens[i], nullptr, encoder_.options().max_seq_len));
    } else {
      const std::vector<std::string> a(tokens[i].begin(), split), b(split + 1, tokens[i].end());
      encodings.push_back(encoder_.tokenizer().encode_tokens(a, &b, encoder_.options().max_seq_len));
    }
  }
  check_lengths(encodings);
  return encodings;
}

void Service::id_outside_vocabulary(size_t input, size_t token, const std::string& id) const {
  throw HttpError(400, "input " + str(input) + ", token " + str(token) + ": id " + id + " is outside the vocabulary [0, " +
                            std::to_string(encoder_.model().config().vocab_size) + ")");
}

std::vector<Encoding> Service::from_ids(const std::vector<std::vector<int64_t>>& ids) const {
  check_count(ids.size());
  const int64_t vocab = encoder_.model().config().vocab_size;
  std::vector<Encoding> encodings(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    for (size_t t = 0; t < ids[i].size(); ++t)
      if (ids[i][t] < 0 || ids[i][t] >= vocab) id_outside_vocabulary(i, t, std::to_string(ids[i][t]));
    encodings[i].ids.assign(ids[i].begin(), ids[i].end());
    encodings[i].type_ids.assign(ids[i].size(), 0);
    encodings[i].attention_mask.assign(ids[i].size(), 1);
  }
  check_lengths(encodings);
  return encodings;
}

const SequenceClassifier& Service::require_classifier() const {
  if (!encoder_.classifier())
    throw HttpError(424, "this endpoint needs a model with a sequence-classification head (classifier.weight); "
                         "this server's model " + model_name() + " has none");
  return *encoder_.classifier();
}

RowMatrix Service::embed(const std::vector<Encoding>& encodings, const std::function<bool()>& client_gone) {
  return run(JobKind::Embed, encodings, client_gone);
}

RowMatrix Service::classify(const std::vector<Encoding>& encodings, const std::function<bool()>& client_gone) {
  require_classifier();
  return run(JobKind::Classify, encodings, client_gone);
}

RowMatrix Service::run(JobKind kind, const std::vector<Encoding>& encodings, const std::function<bool()>& client_gone) {
  auto job = std::make_shared<Job>();
  job->kind = kind;
  job->encodings = encodings;
  for (const auto& e : encodings) job->tokens += e.size();
  std::future<RowMatrix> result = job->result.get_future();
  if (draining_) throw HttpError(503, "the server is shutting down");
  if (!batcher_.submit(job))
    throw HttpError(503, "the server is busy: " + str(options_.max_queue) + " requests are waiting (--max-queue); retry later");
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(options_.timeout_seconds));
  while (result.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
    if (client_gone && client_gone()) {
      job->abandoned = true;
      throw ClientGone();
    }
    if (Clock::now() > deadline) {
      job->abandoned = true;
      throw HttpError(504, "no result within the server's --timeout = " + std::to_string(options_.timeout_seconds) + " s");
    }
  }
  try {
    RowMatrix rows = result.get();
    ++embedded_;
    return rows;
  } catch (const std::invalid_argument& e) {
    throw HttpError(400, e.what());
  } catch (const Cancelled&) {
    throw HttpError(504, "the request was cancelled before it ran");
  }
}

void Service::drain() {
  draining_ = true;
  batcher_.stop();
}

}  // namespace bertcpp::server
