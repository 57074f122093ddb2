// The pretraining heads of BertForPreTraining checkpoints, as tasks on text.
#pragma once

#include <bertcpp/model/bert_model.h>
#include <bertcpp/tokenizer/tokenizer.h>

#include <string>
#include <string_view>
#include <vector>

namespace bertcpp {

struct MaskPrediction {
  int32_t id;
  std::string token;
  float probability;  // softmax over the vocabulary
};

// Top-k predictions for each [MASK] of `text`, in order of appearance.
// Throws std::invalid_argument when the text has no [MASK]; std::runtime_error when the
// checkpoint has no MLM head.
std::vector<std::vector<MaskPrediction>> fill_mask(const BertModel& model, const Tokenizer& tokenizer,
                                                   std::string_view text, size_t top_k = 5);

// Probability that `b` follows `a` (NSP "IsNext"). Throws std::runtime_error when the
// checkpoint has no NSP head.
float next_sentence_probability(const BertModel& model, const Tokenizer& tokenizer,
                                std::string_view a, std::string_view b);

}  // namespace bertcpp
