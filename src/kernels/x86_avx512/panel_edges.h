// What the AVX-512 tiles (x86_avx512/, x86_avx512_bf16/) share about a panel's two 16-column
// halves: the masks for a partial panel, the bias they start from, the stores they end with.
// Included inside each variant's anonymous namespace (after <immintrin.h>), so every copy has
// internal linkage.
#pragma once

struct PanelEdges {
  __mmask16 lo, hi;  // the real columns of each half
};
inline PanelEdges panel_edges(int cols) {
  return {static_cast<__mmask16>(cols >= 16 ? 0xFFFF : (1u << cols) - 1),
          static_cast<__mmask16>(cols >= 32 ? 0xFFFF : cols <= 16 ? 0 : (1u << (cols - 16)) - 1)};
}
inline __m512 bias_lo(const float* bias, PanelEdges e) {
  return bias ? _mm512_maskz_loadu_ps(e.lo, bias) : _mm512_setzero_ps();
}
inline __m512 bias_hi(const float* bias, PanelEdges e) {
  return bias ? _mm512_maskz_loadu_ps(e.hi, bias + 16) : _mm512_setzero_ps();
}
// A whole panel stores without masks: a masked store cannot forward to the load that the
// activation (or the next step) makes right after, which then waits for the store to retire
// (a third of the GELU pass's time on Zen 4).
inline void store_row(float* y, PanelEdges e, __m512 v0, __m512 v1) {
  if (e.hi == 0xFFFF) {
    _mm512_storeu_ps(y, v0);
    _mm512_storeu_ps(y + 16, v1);
  } else {
    _mm512_mask_storeu_ps(y, e.lo, v0);
    _mm512_mask_storeu_ps(y + 16, e.hi, v1);
  }
}
