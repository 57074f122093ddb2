// The pretraining heads of BertForPreTraining checkpoints, as tasks on text.
#pragma once

#include <bertcpp/detail/model/bert_model.h>
#include <bertcpp/tokenizer/tokenizer.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bertcpp {

// The heads on BertForPreTraining checkpoints' weights. Throw std::runtime_error when the
// checkpoint lacks the head, std::invalid_argument for a misshapen input.
// MLM logits [rows.size(), vocab_size] for the given packed token rows of `last_hidden`.
RowMatrix mlm_logits(const BertModel& model, const RowMatrix& last_hidden, const std::vector<int64_t>& rows);
// NSP logits [num_sequences, 2] (index 0 = IsNext) from the pooler output.
RowMatrix nsp_logits(const BertModel& model, const RowMatrix& pooler_output);

struct MaskPrediction {
  int32_t id;
  std::string token;
  float probability;  // softmax over the vocabulary
};

// Top-k predictions for each [MASK] of `text`, in order of appearance. `max_length` truncates
// (tokens incl. [CLS]/[SEP]); without it a text longer than max_position_embeddings is
// std::invalid_argument saying so. Throws std::invalid_argument when the (kept) text has no
// [MASK] or top_k is 0; std::runtime_error when the checkpoint has no MLM head.
// `threads` caps the forward pass's cores as ForwardOptions::threads does (0: all).
std::vector<std::vector<MaskPrediction>> fill_mask(const BertModel& model, const Tokenizer& tokenizer,
                                                   std::string_view text, size_t top_k = 5,
                                                   std::optional<size_t> max_length = std::nullopt, int threads = 0);

// Probability that `b` follows `a` (NSP "IsNext"); `max_length` as for fill_mask (longest_first
// truncation of the pair), `threads` too. Throws std::runtime_error when the checkpoint has no NSP head.
float next_sentence_probability(const BertModel& model, const Tokenizer& tokenizer,
                                std::string_view a, std::string_view b,
                                std::optional<size_t> max_length = std::nullopt, int threads = 0);

}  // namespace bertcpp
