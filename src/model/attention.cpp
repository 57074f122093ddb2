#include "model/eigen.h"  // first: fixes EIGEN_USE_BLAS for everything below

#include "model/attention.h"

#include "model/kernels.h"

namespace bertcpp::detail {

AttentionScratch::AttentionScratch(int64_t max_len, int64_t d)
    : keys(aligned_floats(packed_floats(max_len, d))),
      values(aligned_floats(packed_floats(d, max_len))),
      scores(aligned_floats(static_cast<size_t>(max_len * max_len))) {}

void attend(const float* q, int64_t q_stride, int64_t queries, const float* k, const float* v, int64_t kv_stride,
            int64_t len, int64_t d, float scale, AttentionScratch& scratch, float* context, int64_t context_stride) {
  // K [len, d] is the "weight" of scores = Q K^T: packed once per head, then read by every query.
  pack_panels(k, kv_stride, len, d, scratch.keys.get());
  float* scores = scratch.scores.get();
  gemm_panels(q, q_stride, queries, scratch.keys.get(), d, len, nullptr, scores, len, 0, panel_count(len));
  scaled_softmax_rows(StridedRows(scores, queries, len, Eigen::OuterStride<>(len)), scale);
  // V [len, d] is B of context = P V as it stands: its rows are copied into panels.
  pack_panels_from_rows(v, kv_stride, len, d, scratch.values.get());
  gemm_panels(scores, len, queries, scratch.values.get(), len, d, nullptr, context, context_stride, 0, panel_count(d));
}

}  // namespace bertcpp::detail
