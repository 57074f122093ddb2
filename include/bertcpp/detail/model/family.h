// What differs between BERT-like encoder families, described in one place, so that a new
// family (RoBERTa, XLM-R, DistilBERT, ELECTRA) is one more row here plus its own tests rather
// than edits across every stage. The README's "Adding a model family" is the recipe.
//
// Today one family is implemented: BERT. A config whose model_type no row claims is refused
// by name instead of being run with BERT's assumptions (RoBERTa's positions, for one, start at
// pad_token_id + 1, and its weights are named roberta.*).
#pragma once

#include <bertcpp/loaders/config.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bertcpp {

struct ModelFamily {
  const char* name;                      // "bert"
  std::vector<std::string> model_types;  // config.json model_type values it claims
  // Prefixes stripped from checkpoint tensor names to reach the canonical names
  // (loaders/names.h), e.g. "bert." for BertForPreTraining / BertForSequenceClassification.
  std::vector<std::string> tensor_prefixes;
  // Position id of each sequence's first token: 0 for BERT; pad_token_id + 1 for RoBERTa/XLM-R.
  int32_t (*position_offset)(const BertConfig& config);
  // Whether token_type_ids reach the embeddings; false: every token is type 0.
  bool uses_token_types;
  const char* tokenizer;  // "wordpiece" (tokenizer/tokenizer.h); "sentencepiece" would be another
  // The special-token template: cls A sep (B sep).
  const char* cls_token;
  const char* sep_token;
};

const std::vector<ModelFamily>& model_families();
// The family whose model_types include config.model_type; std::runtime_error listing the
// supported model types otherwise, naming `source` (the config file) and the field. The one
// model_type check: BertModel::load calls it with the config's path.
const ModelFamily& family_for(const BertConfig& config, const std::string& source = "config.json");

}  // namespace bertcpp
