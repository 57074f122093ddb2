#include "model/attention.h"

namespace bertcpp::detail {

AttentionScratch::AttentionScratch(int64_t max_len, int64_t d)
    : kernels(&kernels::active()),
      keys(kernels::aligned<float>(kernels::packed_count(max_len, d, kernels->panel))),
      values(kernels::aligned<float>(kernels::packed_count(d, max_len, kernels->panel))),
      scores(kernels::aligned<float>(static_cast<size_t>(max_len * max_len))) {}

void attend(const float* q, int64_t q_stride, int64_t queries, const float* k, const float* v, int64_t kv_stride,
            int64_t len, int64_t d, float scale, AttentionScratch& scratch, float* context, int64_t context_stride) {
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
