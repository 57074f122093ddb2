// Hidden states -> one vector per sequence: bert-as-service's pooling strategies and
// sentence-transformers' pooling modes, described by one table (pooling_modes()).
// Padding never counts: the input is packed, so there is none.
#pragma once

#include <bertcpp/matrix.h>

#include <cstddef>
#include <string>
#include <vector>

namespace bertcpp {

struct TokenBatch;  // detail/model/token_batch.h: the packed sequences pool() reads

enum class PoolingStrategy {
  ReduceMean,     // mean over all tokens, [CLS] and [SEP] included (ST "mean")
  ReduceMax,      // element-wise max (ST "max")
  ReduceMeanMax,  // [mean, max] concatenated: 2H
  FirstToken,     // CLS_TOKEN / FIRST_TOKEN (ST "cls")
  LastToken,      // SEP_TOKEN / LAST_TOKEN (ST "lasttoken")
  ClsPooled,      // the pooler's tanh(dense(h[CLS])) of the last layer
  None,           // token vectors, not pooled
  MeanSqrtLen,    // sum over tokens / sqrt(token count) (ST "mean_sqrt_len_tokens")
  WeightedMean,   // sum of w_t h_t / sum of w_t with w_t = t + 1, t the position (ST "weightedmean")
};

// One row of the pooling table: everything the Encoder, the CLI and the Python module need
// to know about a strategy, so that none of them decides it on its own.
struct PoolingMode {
  PoolingStrategy strategy;
  const char* name;     // canonical (bert-as-service style) name
  const char* st_name;  // sentence-transformers' pooling_mode_<st_name> key, "" when ST has none
  // Output width per pooled layer is width_factor * H; for None it is H per token.
  size_t width_factor;
  // Whether every token of the last layer run is read. False (CLS pooling): that layer may
  // compute the first token only (ForwardOptions::first_token_only).
  bool needs_every_token;
};

// Every strategy once, in sentence-transformers' concatenation order for those ST has
// (cls, max, mean, mean_sqrt_len, weightedmean, lasttoken), then the others.
const std::vector<PoolingMode>& pooling_modes();
const PoolingMode& pooling_mode(PoolingStrategy strategy);

// "REDUCE_MEAN", "CLS_TOKEN", ... (bert-as-service's names) or sentence-transformers' ("mean",
// "cls", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"), case-insensitive.
// Throws std::invalid_argument listing the valid names.
PoolingStrategy parse_pooling_strategy(const std::string& name);
std::string to_string(PoolingStrategy strategy);

// Shape of one output row when `modes` (concatenated in this order) pool each of `num_layers`
// layers of width H: {width}; for None (alone) {tokens, H * num_layers}. ClsPooled reads the
// pooler once, whatever num_layers. std::invalid_argument for an empty list or None mixed in.
std::vector<size_t> pooled_row_shape(const std::vector<PoolingStrategy>& modes, size_t H, size_t num_layers,
                                     size_t tokens);
// Whether any of `modes` reads more than the first token of the last layer run.
bool needs_every_token(const std::vector<PoolingStrategy>& modes);

// Pools one packed hidden-state matrix [num_tokens, H] into [num_sequences, width_factor * H].
// `excluded_leading` (optional, one entry per sequence): that many leading tokens of each
// sequence do not count in the reductions (sentence-transformers' include_prompt = false masks
// [CLS] and the prompt's tokens); positions of WeightedMean stay those of the whole sequence.
// A sequence with nothing left gives what ST gives: zeros for the means, -1e9 for max.
RowMatrix pool(const RowMatrix& hidden, const TokenBatch& batch, PoolingStrategy strategy,
               const std::vector<int64_t>* excluded_leading = nullptr);

// Scales each row to unit L2 norm (zero rows stay zero).
void l2_normalize_rows(RowMatrix& m);
// Scales each `block` columns of each row to unit L2 norm: one token's vector at a time in
// the [n, T * width] layout of PoolingStrategy::None. std::invalid_argument unless block divides cols.
void l2_normalize_blocks(RowMatrix& m, Eigen::Index block);

}  // namespace bertcpp
