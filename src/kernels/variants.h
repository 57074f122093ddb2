// The functions each instruction-set variant defines in its own files, in its own namespace
// (so no two variants share a symbol); dispatch.cpp assembles them into Kernels tables.
#pragma once

#include "kernels/kernels.h"

#define BERTCPP_KERNEL_VARIANT(ns)                                                                                 \
  namespace bertcpp::kernels::ns {                                                                                 \
  extern const int64_t kPanelWidth; /* output columns per packed panel */                                          \
  void pack(const float* w, int64_t w_stride, int64_t out, int64_t in, float* packed);                             \
  void pack_rows(const float* b, int64_t b_stride, int64_t k, int64_t n, float* packed);                           \
  void gemm(const float* x, int64_t x_stride, int64_t rows, const float* packed, int64_t k, int64_t n,             \
            const float* bias, float* y, int64_t y_stride, int64_t first_panel, int64_t end_panel, int activation); \
  size_t bf16_count(int64_t out, int64_t in);                                                                      \
  void pack_bf16(const float* w, int64_t w_stride, int64_t out, int64_t in, bf16* packed);                         \
  void pack_bf16_rows(const float* b, int64_t b_stride, int64_t k, int64_t n, bf16* packed);                       \
  float bf16_weight(const bf16* packed, int64_t in, int64_t o, int64_t i);                                         \
  int64_t x_bf16_stride(int64_t k);                                                                                \
  void round_rows(const float* x, int64_t x_stride, int64_t rows, int64_t k, bf16* out, int64_t out_stride);       \
  void softmax_bf16(float* x, int64_t rows, int64_t cols, int64_t stride, float scale, bf16* out,                \
                    int64_t out_stride);                                                                           \
  void gemm_bf16(const void* x, int64_t x_stride, int64_t rows, const bf16* packed, int64_t k, int64_t n,          \
                 const float* bias, float* y, int64_t y_stride, int64_t first_panel, int64_t end_panel,            \
                 int activation);                                                                                  \
  void activate(float* x, int64_t n, int activation);                                                              \
  void layer_norm(float* y, int64_t rows, int64_t cols, int64_t y_stride, const float* residual,                   \
                  int64_t residual_stride, const float* gamma, const float* beta, float eps);                      \
  void softmax(float* x, int64_t rows, int64_t cols, int64_t stride, float scale);                                 \
  void halfs_to_floats(const unsigned char* src, size_t n, float* dst);                                            \
  uint32_t crc32c_extend(uint32_t crc, const unsigned char* data, size_t n);                                       \
  }

// The variants with an int8 kernel of their own (the others use one of these: dispatch.cpp).
#define BERTCPP_S8_KERNELS(ns)                                                                                     \
  namespace bertcpp::kernels::ns {                                                                                 \
  extern const int64_t kS8PanelWidth;                                                                              \
  void pack_s8(const int8_t* q, int64_t out, int64_t in, int8_t* packed);                                          \
  void quantize_rows(const float* x, int64_t x_stride, int64_t rows, int64_t k, bool offset, int8_t* out,          \
                     int64_t out_stride, float* scale);                                                            \
  void gemm_s8(const int8_t* x, int64_t x_stride, const float* x_scale, int64_t rows, const int8_t* packed,        \
               const float* w_scale, int64_t k, int64_t n, const float* bias, float* y, int64_t y_stride,          \
               int64_t first_panel, int64_t end_panel, int activation);                                           \
  }

BERTCPP_KERNEL_VARIANT(generic)
BERTCPP_S8_KERNELS(generic)
#if defined(__x86_64__)
BERTCPP_KERNEL_VARIANT(avx2)
BERTCPP_KERNEL_VARIANT(avx512)
BERTCPP_KERNEL_VARIANT(avx512_bf16)
BERTCPP_S8_KERNELS(avx2)
BERTCPP_S8_KERNELS(avx512_bf16)
#endif
#if defined(__aarch64__)
BERTCPP_KERNEL_VARIANT(neon)
BERTCPP_S8_KERNELS(neon_dotprod)  // the NEON variant's int8 where the CPU has sdot
#endif

#undef BERTCPP_KERNEL_VARIANT
#undef BERTCPP_S8_KERNELS
