// Scaled dot-product attention of one head of one sequence, on that sequence's own tokens:
// no padding, so no mask. softmax(Q K^T / sqrt(d)) V through the matrix kernel of the variant
// in use (kernels/kernels.h), with K and V packed into its panels first: read in place, V's
// rows are a page apart and the product ran at half speed.
//
// With bf16_products on a CPU that multiplies bfloat16 in hardware (Kernels::native_bf16),
// the two products take Q, K, the probabilities and V rounded to bfloat16 and sum in float32
// at twice float32's rate; softmax stays float32. The reduced precisions (bfloat16, int8) ask
// for it: at 512 tokens these products are a quarter of an int8 forward pass. Elsewhere, and
// for float32, everything is float32.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace bertcpp::detail {

// One thread's workspace for sequences of up to max_len tokens and heads of size d; with
// bf16_products, room for the bfloat16 products too where the CPU has them.
struct AttentionScratch {
  AttentionScratch(int64_t max_len, int64_t d, bool bf16_products = false);
  const kernels::Kernels* kernels;
  bool bf16;                       // can run the products in bfloat16 (asked for, and native here)
  kernels::Aligned<float> keys;    // K packed as the weight of Q K^T
  kernels::Aligned<float> values;  // V packed as B of P V
  kernels::Aligned<float> scores;  // max_len x max_len
  // bf16 only: K and V packed, and the rows of Q and of the probabilities rounded.
  kernels::Aligned<kernels::bf16> keys_bf16, values_bf16, queries_bf16, scores_bf16;
};

// context[r, 0:d) = softmax_j(scale * q_r . k_j) v_j for the `queries` rows of q (rows
// q_stride apart) against `len` keys and values (rows kv_stride apart); len <= max_len. The
// products in bfloat16 when bf16_products and scratch.bf16, else float32.
void attend(const float* q, int64_t q_stride, int64_t queries, const float* k, const float* v, int64_t kv_stride,
            int64_t len, int64_t d, float scale, AttentionScratch& scratch, float* context, int64_t context_stride,
            bool bf16_products = false);

}  // namespace bertcpp::detail
