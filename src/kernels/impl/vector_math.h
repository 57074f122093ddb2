// Element-wise kernels written once with GCC/Clang vector extensions and compiled by each
// variant's file for its own vector width and instruction set (-mavx2, -mavx512f, NEON...).
//
// Included only by the per-ISA sources, inside an anonymous namespace, so every variant's
// copy has internal linkage: no two variants share a symbol the linker could merge (an AVX-512
// copy must never be what the generic variant calls). For the same reason nothing here calls
// an inline library template (std::min, std::fill): tests/kernels checks the objects for it.
//
// exp, erf and tanh are Eigen's float approximations (Cephes exp; the rational erf and tanh of
// Eigen 3.4), so every variant stays within the parity tests' bound of transformers.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/kernels.h"

namespace bertcpp::kernels {
namespace {

// V: a vector of float, VI: the int32 vector of the same lanes.
template <typename V>
constexpr int lanes() {
  return static_cast<int>(sizeof(V) / sizeof(float));
}
template <typename V>
V splat(float s) {
  return V{} + s;
}
template <typename V>
V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename V>
void store(float* p, V v) {
  std::memcpy(p, &v, sizeof v);
}
template <typename V>
V vmin(V a, V b) {
  return a < b ? a : b;
}
template <typename V>
V vmax(V a, V b) {
  return a > b ? a : b;
}
template <typename V>
float hsum(V v) {
  float s = 0.0f;
  for (int i = 0; i < lanes<V>(); ++i) s += v[i];
  return s;
}
template <typename V>
float hmax(V v) {
  float m = v[0];
  for (int i = 1; i < lanes<V>(); ++i) m = v[i] > m ? v[i] : m;
  return m;
}

// exp(x) for x in [-87.3, 88.7] (below: the smallest normal float, which no sum notices).
template <typename V, typename VI>
V vexp(V x) {
  x = vmax(vmin(x, splat<V>(88.7f)), splat<V>(-87.3f));
  const V t = x * 1.44269504088896341f + 0.5f;
  VI m = __builtin_convertvector(t, VI);          // truncates toward zero
  m += (__builtin_convertvector(m, V) > t);        // -1 where that rounded up: floor
  const V mf = __builtin_convertvector(m, V);
  V r = x - mf * 0.693359375f;
  r = r + mf * 2.12194440e-4f;
  const V r2 = r * r, r3 = r2 * r;
  V y = splat<V>(1.9875691500E-4f) * r + 1.3981999507E-3f;
  V y1 = splat<V>(4.1665795894E-2f) * r + 1.6666665459E-1f;
  const V y2 = r + 1.0f;
  y = y * r + 8.3334519073E-3f;
  y1 = y1 * r + 5.0000001201E-1f;
  y = y * r3 + y1;
  y = y * r2 + y2;
  const VI scale = (m + 127) << 23;  // 2^m as float bits
  return y * (V)scale;
}

template <typename V>
V verf(V x) {
  x = vmax(vmin(x, splat<V>(4.0f)), splat<V>(-4.0f));
  const V x2 = x * x;
  V p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
  p = x2 * p + -2.10102402082508e-06f;
  p = x2 * p + -5.69250639462346e-05f;
  p = x2 * p + -7.34990630326855e-04f;
  p = x2 * p + -2.95459980854025e-03f;
  p = x2 * p + -1.60960333262415e-02f;
  p = x * p;
  V q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
  q = x2 * q + -1.68282697438203e-03f;
  q = x2 * q + -7.37332916720468e-03f;
  q = x2 * q + -1.42647390514189e-02f;
  return p / q;
}

template <typename V>
V vtanh(V a) {
  const V x = vmax(vmin(a, splat<V>(7.90531110763549805f)), splat<V>(-7.90531110763549805f));
  const V x2 = x * x;
  V p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
  p = x2 * p + -8.60467152213735e-11f;
  p = x2 * p + 5.12229709037114e-08f;
  p = x2 * p + 1.48572235717979e-05f;
  p = x2 * p + 6.37261928875436e-04f;
  p = x2 * p + 4.89352455891786e-03f;
  p = x * p;
  V q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
  q = x2 * q + 2.26843463243900e-03f;
  q = x2 * q + 4.89352518554385e-03f;
  return ((a < 0.0004f) & (a > -0.0004f)) ? x : p / q;  // tanh(x) = x where x^3/3 is below a float's eps
}

template <typename V>
V vactivate(V x, int activation) {
  switch (activation) {
    case static_cast<int>(Activation::Gelu):  // "gelu": 0.5 x (1 + erf(x / sqrt 2))
      return 0.5f * x * (1.0f + verf(x * 0.70710678118654752f));
    case static_cast<int>(Activation::GeluTanh):  // "gelu_new": 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      return 0.5f * x * (1.0f + vtanh(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case static_cast<int>(Activation::Relu):
      return vmax(x, splat<V>(0.0f));
    default:
      return x;
  }
}

// The tail of a row (fewer than a vector's lanes) goes through a zero-padded vector, so it is
// computed by the same formulas as the rest.
template <typename V>
void activate_row(float* x, int64_t n, int activation) {
  if (activation < 0) return;
  constexpr int L = lanes<V>();
  int64_t i = 0;
  for (; i + L <= n; i += L) store(x + i, vactivate(load<V>(x + i), activation));
  if (i < n) {
    float tail[L] = {};
    std::memcpy(tail, x + i, static_cast<size_t>(n - i) * sizeof(float));
    store(tail, vactivate(load<V>(tail), activation));
    std::memcpy(x + i, tail, static_cast<size_t>(n - i) * sizeof(float));
  }
}

template <typename V>
void layer_norm_rows(float* y, int64_t rows, int64_t cols, int64_t y_stride, const float* residual,
                     int64_t residual_stride, const float* gamma, const float* beta, float eps) {
  constexpr int L = lanes<V>();
  const int64_t body = cols / L * L;
  for (int64_t r = 0; r < rows; ++r) {
    float* row = y + r * y_stride;
    if (residual != nullptr) {
      const float* res = residual + r * residual_stride;
      int64_t i = 0;
      for (; i < body; i += L) store(row + i, load<V>(row + i) + load<V>(res + i));
      for (; i < cols; ++i) row[i] += res[i];
    }
    V acc{};
    float tail = 0.0f;
    int64_t i = 0;
    for (; i < body; i += L) acc += load<V>(row + i);
    for (; i < cols; ++i) tail += row[i];
    const float mean = (hsum(acc) + tail) / static_cast<float>(cols);
    acc = V{};
    tail = 0.0f;
    for (i = 0; i < body; i += L) {
      const V c = load<V>(row + i) - mean;
      acc += c * c;
    }
    for (; i < cols; ++i) tail += (row[i] - mean) * (row[i] - mean);
    const float inv_std = 1.0f / __builtin_sqrtf((hsum(acc) + tail) / static_cast<float>(cols) + eps);
    for (i = 0; i < body; i += L) {
      store(row + i, (load<V>(row + i) - mean) * inv_std * load<V>(gamma + i) + load<V>(beta + i));
    }
    for (; i < cols; ++i) row[i] = (row[i] - mean) * inv_std * gamma[i] + beta[i];
  }
}

// One row of softmax(row * scale) up to the division: row[i] = exp((row[i] - max) * scale);
// returns 1 / their sum.
template <typename V, typename VI>
float softmax_exponentials(float* row, int64_t cols, float scale) {
  constexpr int L = lanes<V>();
  // The max L lanes at a time (a scalar chain of compares was a tenth of an int8 forward
  // pass at 512 tokens); a max is the same value in any order, so every variant agrees.
  V vm = splat<V>(row[0]);
  int64_t i = 0;
  for (; i + L <= cols; i += L) vm = vmax(vm, load<V>(row + i));
  float max = hmax(vm);
  for (; i < cols; ++i) max = row[i] > max ? row[i] : max;
  V acc{};
  i = 0;
  for (; i + L <= cols; i += L) {
    const V e = vexp<V, VI>((load<V>(row + i) - max) * scale);
    store(row + i, e);
    acc += e;
  }
  float sum = hsum(acc);
  if (i < cols) {
    float tail[L];
    for (int j = 0; j < L; ++j) tail[j] = i + j < cols ? (row[i + j] - max) * scale : -100.0f;
    const V e = vexp<V, VI>(load<V>(tail));
    for (int j = 0; i + j < cols; ++j) {
      row[i + j] = e[j];
      sum += e[j];
    }
  }
  return 1.0f / sum;
}

template <typename V, typename VI>
void softmax_rows(float* x, int64_t rows, int64_t cols, int64_t stride, float scale) {
  constexpr int L = lanes<V>();
  for (int64_t r = 0; r < rows; ++r) {
    float* row = x + r * stride;
    const float inv = softmax_exponentials<V, VI>(row, cols, scale);
    int64_t i = 0;
    for (; i + L <= cols; i += L) store(row + i, load<V>(row + i) * inv);
    for (; i < cols; ++i) row[i] *= inv;
  }
}

}  // namespace
}  // namespace bertcpp::kernels
