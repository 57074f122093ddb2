// The benchmark's workloads on a model: fixed-shape forward passes, bert-as-service's default
// work, and the tweets end to end padded vs packed.
#pragma once

#include <bertcpp/detail/all.h>  // the model and its batches, below the Encoder

#include <memory>
#include <vector>

namespace bertcpp::bench {

// `batch` sequences of `seq_len` tokens, all real (mask 1), random ids, positions 0..seq_len-1.
TokenBatch fixed_batch(int batch, int seq_len, const BertConfig& config, uint64_t seed = 7);
std::vector<Encoding> fixed_encodings(int batch, int seq_len, const BertConfig& config, uint64_t seed = 7);

// Matrix-product FLOPs of one forward pass through `layers` layers: the four dense
// products plus attention's two (2 * len^2 * H each per sequence). Element-wise work is not
// counted, as is usual for "percent of GEMM peak".
double forward_flops(const BertConfig& config, const TokenBatch& batch, int layers);

struct EndToEnd {
  size_t sentences = 0;
  size_t real_tokens = 0;      // after truncation to max_seq_len
  double tokenize_seconds = 0;
  double padded_seconds = 0;   // tokenize + forward on [32, max_seq_len] padded batches, input order
  double packed_seconds = 0;   // tokenize + Encoder (length-sorted dynamic batches, packed)
};

// REDUCE_MEAN of layer -2 (bert-as-service's default) both ways. "Padded" is what a padded
// engine computes: every sequence extended to max_seq_len with real [PAD] tokens (mask 1),
// batches of batch_size in input order, the same layers run, mean over the real tokens.
EndToEnd run_end_to_end(const Encoder& encoder, const std::vector<TextInput>& texts, size_t max_seq_len,
                        size_t batch_size, int threads);

}  // namespace bertcpp::bench
