#include "workloads.h"

#include "timing.h"

#include <algorithm>
#include <random>

namespace bertcpp::bench {

std::vector<Encoding> fixed_encodings(int batch, int seq_len, const BertConfig& config, uint64_t seed) {
  std::mt19937_64 rng(seed);
  // Ids above the special tokens, as real text would use.
  std::uniform_int_distribution<int32_t> id(1000, config.vocab_size - 1);
  std::vector<Encoding> encodings(static_cast<size_t>(batch));
  for (Encoding& e : encodings) {
    for (int t = 0; t < seq_len; ++t) e.ids.push_back(id(rng));
    e.type_ids.assign(e.ids.size(), 0);
    e.attention_mask.assign(e.ids.size(), 1);
  }
  return encodings;
}

TokenBatch fixed_batch(int batch, int seq_len, const BertConfig& config, uint64_t seed) {
  return TokenBatch::from_encodings(fixed_encodings(batch, seq_len, config, seed));
}

double forward_flops(const BertConfig& config, const TokenBatch& batch, int layers) {
  const double H = config.hidden_size, I = config.intermediate_size;
  const double per_token = 2.0 * (4.0 * H * H + 2.0 * H * I);
  double attention = 0;
  for (size_t s = 0; s < batch.num_sequences(); ++s) {
    const double len = static_cast<double>(batch.length(s));
    attention += 2.0 * 2.0 * len * len * H;
  }
  return layers * (per_token * static_cast<double>(batch.num_tokens()) + attention);
}

namespace {

// One padded batch: each encoding followed by [PAD] (id 0) up to seq_len, all positions real.
TokenBatch padded_batch(const std::vector<Encoding>& encodings, size_t begin, size_t end, size_t seq_len) {
  TokenBatch batch;
  batch.offsets.push_back(0);
  for (size_t i = begin; i < end; ++i) {
    const Encoding& e = encodings[i];
    for (size_t t = 0; t < seq_len; ++t) {
      batch.ids.push_back(t < e.ids.size() ? e.ids[t] : 0);
      batch.type_ids.push_back(t < e.type_ids.size() ? e.type_ids[t] : 0);
      batch.positions.push_back(static_cast<int32_t>(t));
    }
    batch.offsets.push_back(static_cast<int64_t>(batch.ids.size()));
  }
  return batch;
}

}  // namespace

EndToEnd run_end_to_end(const Encoder& encoder, const std::vector<TextInput>& texts, size_t max_seq_len,
                        size_t batch_size, int threads) {
  EndToEnd r;
  r.sentences = texts.size();
  std::vector<Encoding> encodings;
  r.tokenize_seconds = seconds_once([&] { encodings = encoder.tokenize(texts); });
  for (const Encoding& e : encodings) r.real_tokens += e.size();

  // Packed + dynamic batching: the Encoder as users call it.
  RowMatrix packed;
  r.packed_seconds = r.tokenize_seconds + seconds_once([&] { packed = encoder.encode_encodings(encodings); });

  // Padded: the same layers, on padded batches in input order.
  const BertModel& model = encoder.model();
  const int N = model.config().num_hidden_layers;
  ForwardOptions forward;
  forward.num_layers = N - 1;  // layer -2
  forward.threads = threads;
  RowMatrix padded(static_cast<Eigen::Index>(encodings.size()), model.config().hidden_size);
  r.padded_seconds = r.tokenize_seconds + seconds_once([&] {
    for (size_t begin = 0; begin < encodings.size(); begin += batch_size) {
      const size_t end = std::min(encodings.size(), begin + batch_size);
      const TokenBatch batch = padded_batch(encodings, begin, end, max_seq_len);
      const RowMatrix hidden = model.forward(batch, forward).hidden_states.back();
      for (size_t i = begin; i < end; ++i) {
        const auto len = static_cast<Eigen::Index>(encodings[i].size());
        padded.row(static_cast<Eigen::Index>(i)) =
            hidden.middleRows(static_cast<Eigen::Index>((i - begin) * max_seq_len), len).colwise().mean();
      }
    }
  });
  return r;
}

}  // namespace bertcpp::bench
