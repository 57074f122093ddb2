// Scaled dot-product attention of one head of one sequence, on that sequence's own tokens:
// no padding, so no mask. softmax(Q K^T / sqrt(d)) V through the encoder's matrix kernel
// (model/gemm.h), with K and V packed into its panels first.
#pragma once

#include <cstdint>

#include "model/gemm.h"

namespace bertcpp::detail {

// One thread's workspace for sequences of up to max_len tokens and heads of size d.
struct AttentionScratch {
  AttentionScratch(int64_t max_len, int64_t d);
  AlignedFloats keys;    // K packed: packed_floats(max_len, d)
  AlignedFloats values;  // V packed: packed_floats(d, max_len)
  AlignedFloats scores;  // max_len x max_len
};

// context[r, 0:d) = softmax_j(scale * q_r . k_j) v_j for the `queries` rows of q (rows
// q_stride apart) against `len` keys and values (rows kv_stride apart); len <= max_len.
void attend(const float* q, int64_t q_stride, int64_t queries, const float* k, const float* v, int64_t kv_stride,
            int64_t len, int64_t d, float scale, AttentionScratch& scratch, float* context, int64_t context_stride);

}  // namespace bertcpp::detail
