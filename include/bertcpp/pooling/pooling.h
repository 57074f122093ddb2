// Hidden states -> one vector per sequence, bert-as-service's pooling strategies.
// Padding never counts: the input is packed, so there is none.
#pragma once

#include <bertcpp/model/bert_model.h>

#include <string>
#include <vector>

namespace bertcpp {

enum class PoolingStrategy {
  ReduceMean,     // mean over all tokens, [CLS] and [SEP] included
  ReduceMax,      // element-wise max
  ReduceMeanMax,  // [mean, max] concatenated: 2H
  FirstToken,     // CLS_TOKEN / FIRST_TOKEN
  LastToken,      // SEP_TOKEN / LAST_TOKEN
  ClsPooled,      // the pooler's tanh(dense(h[CLS])) of the last layer
  None,           // token vectors, not pooled
};

// "REDUCE_MEAN", "CLS_TOKEN", ... (bert-as-service's names, case-insensitive).
// Throws std::invalid_argument listing the valid names.
PoolingStrategy parse_pooling_strategy(const std::string& name);
std::string to_string(PoolingStrategy strategy);

// Pools one packed hidden-state matrix [num_tokens, H] into [num_sequences, H or 2H].
RowMatrix pool(const RowMatrix& hidden, const TokenBatch& batch, PoolingStrategy strategy);

// Scales each row to unit L2 norm (zero rows stay zero).
void l2_normalize_rows(RowMatrix& m);
// Scales each `block` columns of each row to unit L2 norm: one token's vector at a time in
// the [n, T * width] layout of PoolingStrategy::None. std::invalid_argument unless block divides cols.
void l2_normalize_blocks(RowMatrix& m, Eigen::Index block);

}  // namespace bertcpp
