#include "model/attention.h"


namespace bertcpp::detail {

AttentionScratch::AttentionScratch(int64_t max_len, int64_t d, bool bf16_products)
    : kernels(&kernels::active()),
      bf16(bf16_products && kernels->native_bf16),
      keys(kernels::aligned<float>(kernels::packed_count(max_len, d, kernels->panel))),
      values(kernels::aligned<float>(kernels::packed_count(d, max_len, kernels->panel))),
      scores(kernels::aligned<float>(static_cast<size_t>(max_len * max_len))) {
  if (!bf16) return;
  keys_bf16 = kernels::aligned<kernels::bf16>(kernels->bf16_count(max_len, d));
  values_bf16 = kernels::aligned<kernels::bf16>(kernels->bf16_count(d, max_len));
  queries_bf16 = kernels::aligned<kernels::bf16>(static_cast<size_t>(max_len * kernels->x_bf16_stride(d)));
  scores_bf16 = kernels::aligned<kernels::bf16>(static_cast<size_t>(max_len * kernels->x_bf16_stride(max_len)));
}

namespace {

void attend_bf16(const float* q, int64_t q_stride, int64_t queries, const float* k, const float* v, int64_t kv_stride,
                 int64_t len, int64_t d, float scale, AttentionScratch& scratch, float* context,
                 int64_t context_stride) {
  const kernels::Kernels& K = *scratch.kernels;
  float* scores = scratch.scores.get();
  K.pack_bf16(k, kv_stride, len, d, scratch.keys_bf16.get());
  const int64_t q_row = K.x_bf16_stride(d);
  K.round_rows(q, q_stride, queries, d, scratch.queries_bf16.get(), q_row);
  K.gemm_bf16(scratch.queries_bf16.get(), q_row, queries, scratch.keys_bf16.get(), d, len, nullptr, scores, len, 0,
              kernels::panel_count(len, K.panel), kernels::kNone);
  const int64_t p_row = K.x_bf16_stride(len);
  K.softmax_bf16(scores, queries, len, len, scale, scratch.scores_bf16.get(), p_row);
  // V [len, d] is B of context = P V as it stands, as in float32.
  K.pack_bf16_rows(v, kv_stride, len, d, scratch.values_bf16.get());
  K.gemm_bf16(scratch.scores_bf16.get(), p_row, queries, scratch.values_bf16.get(), len, d, nullptr, context,
              context_stride, 0, kernels::panel_count(d, K.panel), kernels::kNone);
}

}  // namespace

void attend(const float* q, int64_t q_stride, int64_t queries, const float* k, const float* v, int64_t kv_stride,
            int64_t len, int64_t d, float scale, AttentionScratch& scratch, float* context, int64_t context_stride,
            bool bf16_products) {
  if (bf16_products && scratch.bf16) {
    attend_bf16(q, q_stride, queries, k, v, kv_stride, len, d, scale, scratch, context, context_stride);
    return;
  }
  const kernels::Kernels& K = *scratch.kernels;
  // K [len, d] is the "weight" of scores = Q K^T: packed once per head, then read by every query.
  K.pack(k, kv_stride, len, d, scratch.keys.get());
  float* scores = scratch.scores.get();
  K.gemm(q, q_stride, queries, scratch.keys.get(), d, len, nullptr, scores, len, 0, kernels::panel_count(len, K.panel),
         kernels::kNone);
  K.softmax(scores, queries, len, len, scale);
  // V [len, d] is B of context = P V as it stands: its rows are copied into panels.
  K.pack_rows(v, kv_stride, len, d, scratch.values.get());
  K.gemm(scores, len, queries, scratch.values.get(), len, d, nullptr, context, context_stride, 0,
         kernels::panel_count(d, K.panel), kernels::kNone);
}

}  // namespace bertcpp::detail
