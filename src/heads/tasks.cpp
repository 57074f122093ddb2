// Text-level uses of the pretraining heads: fill-mask and next-sentence probability.
#include <Eigen/Core>

#include <bertcpp/detail/heads/heads.h>
#include <bertcpp/detail/model/family.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace bertcpp {

namespace {

// The model reads at most max_position_embeddings tokens (less the family's position offset):
// say so, and how to truncate, before the forward pass would fail on a position.
void check_length(const BertModel& model, const Encoding& e, const char* what) {
  const auto limit = static_cast<size_t>(model.config().max_position_embeddings -
                                         family_for(model.config()).position_offset(model.config()));
  if (e.size() > limit)
    throw std::invalid_argument(std::string(what) + ": the input has " + std::to_string(e.size()) +
                                " tokens, more than max_position_embeddings = " + std::to_string(limit) +
                                "; pass max_length to truncate");
}

}  // namespace

std::vector<std::vector<MaskPrediction>> fill_mask(const BertModel& model, const Tokenizer& tokenizer,
                                                   std::string_view text, size_t top_k,
                                                   std::optional<size_t> max_length, int threads) {
  if (top_k == 0) throw std::invalid_argument("fill_mask: top_k must be at least 1");
  if (!model.has_mlm_head()) {
    throw std::runtime_error("fill_mask: the checkpoint has no masked-LM head (cls.predictions.*)");
  }
  const int32_t mask_id = tokenizer.vocab().mask_id();
  if (mask_id < 0) throw std::invalid_argument("fill_mask: the vocabulary " + tokenizer.vocab().source() + " has no [MASK]");
  const Encoding encoding = tokenizer.encode(text, max_length);
  check_length(model, encoding, "fill_mask");
  std::vector<int64_t> rows;
  for (size_t i = 0; i < encoding.ids.size(); ++i) {
    if (encoding.ids[i] == mask_id) rows.push_back(static_cast<int64_t>(i));
  }
  if (rows.empty())
    throw std::invalid_argument("fill_mask: the text has no [MASK]" +
                                std::string(max_length ? " within its first " + std::to_string(*max_length) + " tokens" : "") +
                                ": \"" + std::string(text.substr(0, 200)) + (text.size() > 200 ? "...\"" : "\""));

  const TokenBatch batch = TokenBatch::from_encodings({encoding}, family_for(model.config()).position_offset(model.config()));
  ForwardOptions options;
  options.threads = threads;
  const ForwardOutput out = model.forward(batch, options);
  const RowMatrix logits = mlm_logits(model, out.hidden_states.back(), rows);

  std::vector<std::vector<MaskPrediction>> predictions;
  const auto V = static_cast<size_t>(logits.cols());
  const size_t k = std::min(top_k, V);
  std::vector<int32_t> order(V);
  for (Eigen::Index r = 0; r < logits.rows(); ++r) {
    const auto row = logits.row(r).array();
    const float max = row.maxCoeff();
    const float denominator = (row - max).exp().sum();
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](int32_t a, int32_t b) { return row(a) > row(b); });
    std::vector<MaskPrediction> top;
    for (size_t i = 0; i < k; ++i) {
      const int32_t id = order[i];
      top.push_back({id, tokenizer.vocab().token(id), std::exp(row(id) - max) / denominator});
    }
    predictions.push_back(std::move(top));
  }
  return predictions;
}

float next_sentence_probability(const BertModel& model, const Tokenizer& tokenizer, std::string_view a,
                                std::string_view b, std::optional<size_t> max_length, int threads) {
  if (!model.has_nsp_head()) {
    throw std::runtime_error("next_sentence_probability: the checkpoint has no next-sentence head (cls.seq_relationship.*)");
  }
  const Encoding encoding = tokenizer.encode_pair(a, b, max_length);
  check_length(model, encoding, "next_sentence_probability");
  const TokenBatch batch = TokenBatch::from_encodings({encoding}, family_for(model.config()).position_offset(model.config()));
  ForwardOptions options;
  options.compute_pooler = true;
  options.threads = threads;
  const RowMatrix logits = nsp_logits(model, model.forward(batch, options).pooler_output);
  // softmax over (IsNext, NotNext), index 0 = IsNext
  const float m = std::max(logits(0, 0), logits(0, 1));
  const float is_next = std::exp(logits(0, 0) - m), not_next = std::exp(logits(0, 1) - m);
  return is_next / (is_next + not_next);
}

}  // namespace bertcpp
