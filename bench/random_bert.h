// A BERT model with seeded random weights built in memory, so the benchmark needs no download.
#pragma once

#include <bertcpp/detail/model/bert_model.h>

#include <cstdint>
#include <memory>

namespace bertcpp::bench {

// BERT-base: 12 layers, H = 768, 12 heads, intermediate 3072, vocab 30522, exact-erf GELU.
BertConfig bert_base_config();

// Weights ~ N(0, 0.02) like BERT's initializer, LayerNorm gamma 1 and beta 0, plus a pooler;
// the same seed gives the same model; `precision` as in BertModel::load.
std::shared_ptr<const BertModel> random_bert(const BertConfig& config, Precision precision = Precision::Float32,
                                             uint64_t seed = 42);

}  // namespace bertcpp::bench
