// The int8 matrix kernel of every variant this CPU can run: its int32 sums are the exact
// integers (so the float32 result is the same bits on every variant and at any split of the
// panels), over shapes that leave partial tiles, panels and groups of 4 steps, row blocks and
// strided rows; and the packed layout reads back.
#include "kernels/kernels.h"
#include "kernels/product_check.h"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace bertcpp::kernels {
namespace {

struct Shape {
  int64_t rows, out, in, pad;  // pad: extra floats at the end of each row of x and y
};
// Partial tiles (rows not a multiple of 4, 6 or 12), partial panels (out not a multiple of 8,
// 16 or 32), k not a multiple of 4, more rows than a row block (384).
const Shape kShapes[] = {{1, 1, 1, 0},    {13, 33, 17, 0}, {5, 31, 7, 3},    {12, 32, 64, 0},
                         {29, 100, 67, 2}, {7, 48, 101, 0}, {400, 70, 40, 1}, {3, 96, 1000, 0}};

std::vector<float> random_floats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-2.0f, 2.0f);
  std::vector<float> v(n);
  for (float& f : v) f = d(rng);
  return v;
}

// Integers in [-127, 127] with 127 in every row, as floats: quantize_rows keeps them as they
// are (scale 1), so the kernel's result is its int32 sum, exact in float32 while below 2^24.
std::vector<float> integer_rows(int64_t rows, int64_t cols, int64_t stride, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-127, 127);
  std::vector<float> v(static_cast<size_t>(rows * stride), 0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < cols; ++i) v[static_cast<size_t>(r * stride + i)] = static_cast<float>(d(rng));
    v[static_cast<size_t>(r * stride + static_cast<int64_t>(seed) % cols)] = (r % 2 != 0) ? -127.0f : 127.0f;
  }
  return v;
}

// y = x W^T + b through quantize_rows, pack_s8 and gemm_s8, the panels split into `parts` ranges.
std::vector<float> product(const Kernels& kern, const Shape& s, const std::vector<float>& x,
                           const std::vector<float>& w, const float* bias, int activation, int parts) {
  const int64_t xs = s.in + s.pad, ys = s.out + s.pad, panels = panel_count(s.out, kern.s8_panel);
  std::vector<int8_t> q(static_cast<size_t>(s.out * s.in));
  std::vector<float> w_scale(static_cast<size_t>(panels * kern.s8_panel), 0.0f);
  quantize_rows(w.data(), s.in, s.out, s.in, false, q.data(), s.in, w_scale.data());
  auto packed = aligned<int8_t>(s8_layout(kern.s8_panel, s.in).bytes(s.out));
  kern.pack_s8(q.data(), s.out, s.in, packed.get());
  const int64_t qs = s8_stride(s.in);
  std::vector<int8_t> xq(static_cast<size_t>(s.rows * qs));
  std::vector<float> x_scale(static_cast<size_t>(s.rows));
  quantize_rows(x.data(), xs, s.rows, s.in, kern.s8_offset_x, xq.data(), qs, x_scale.data());
  std::vector<float> y(static_cast<size_t>(s.rows * ys), testing::kUntouched);
  for (int p = 0; p < parts; ++p) {
    kern.gemm_s8(xq.data(), qs, x_scale.data(), s.rows, packed.get(), w_scale.data(), s.in, s.out, bias, y.data(), ys,
                 panels * p / parts, panels * (p + 1) / parts, activation);
  }
  return y;
}

class Int8Variant : public ::testing::TestWithParam<Isa> {
 protected:
  const Kernels& k() const { return *find(GetParam()); }
};

TEST_P(Int8Variant, SumsAreTheExactIntegers) {
  for (const Shape& s : kShapes) {
    const int64_t xs = s.in + s.pad;
    const auto x = integer_rows(s.rows, s.in, xs, 1), w = integer_rows(s.out, s.in, s.in, 2);
    const std::vector<float> y = product(k(), s, x, w, nullptr, kNone, 1);
    testing::for_each_output(y, s.rows, s.out, s.pad, [&](int64_t r, int64_t o, float got) {
      int64_t sum = 0;
      for (int64_t i = 0; i < s.in; ++i) {
        sum += static_cast<int64_t>(x[static_cast<size_t>(r * xs + i)]) * static_cast<int64_t>(w[static_cast<size_t>(o * s.in + i)]);
      }
      ASSERT_EQ(got, static_cast<float>(sum)) << isa_name(GetParam()) << " " << s.rows << "x" << s.in << "->" << s.out
                                              << " row " << r << " col " << o;
    });
  }
}

TEST_P(Int8Variant, SameBitsAsTheGenericVariantAndAtAnySplit) {
  for (const Shape& s : kShapes) {
    const auto x = random_floats(static_cast<size_t>(s.rows * (s.in + s.pad)), 3);
    const auto w = random_floats(static_cast<size_t>(s.out * s.in), 4), b = random_floats(static_cast<size_t>(s.out), 5);
    const std::vector<float> ours = product(k(), s, x, w, b.data(), kNone, 1);
    EXPECT_EQ(ours, product(*find(Isa::Generic), s, x, w, b.data(), kNone, 1)) << s.rows << "x" << s.in << "->" << s.out;
    EXPECT_EQ(ours, product(k(), s, x, w, b.data(), kNone, 2));
    EXPECT_EQ(ours, product(k(), s, x, w, b.data(), kNone, 5));
    // With GELU: the same bits at any split; the variants' GELU differ in rounding only.
    const int gelu = static_cast<int>(Activation::Gelu);
    const std::vector<float> act = product(k(), s, x, w, b.data(), gelu, 1);
    EXPECT_EQ(act, product(k(), s, x, w, b.data(), gelu, 3));
  }
}

// x's quantized rows end right before an inaccessible page, for every tile height: a kernel
// that reads past its rows faults here instead of reading a neighbour's memory. (GCC 12 built
// the ARM64 generic tile of 2 and 3 rows from vectors of four rows' bytes, which crashed
// int8 under threads one run in two; scripts/cross-test.sh runs this suite under qemu.)
TEST_P(Int8Variant, ReadsNothingPastItsRows) {
  const int64_t page = sysconf(_SC_PAGESIZE), out = 40, in = 64, qs = s8_stride(in);
  const auto w = integer_rows(out, in, in, 21);
  std::vector<int8_t> q(static_cast<size_t>(out * in));
  std::vector<float> w_scale(static_cast<size_t>(panel_count(out, k().s8_panel) * k().s8_panel), 0.0f);
  quantize_rows(w.data(), in, out, in, false, q.data(), in, w_scale.data());
  auto packed = aligned<int8_t>(s8_layout(k().s8_panel, in).bytes(out));
  k().pack_s8(q.data(), out, in, packed.get());
  void* map = mmap(nullptr, static_cast<size_t>(2 * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  ASSERT_EQ(mprotect(static_cast<char*>(map) + page, static_cast<size_t>(page), PROT_NONE), 0);
  for (int64_t rows = 1; rows <= 13; ++rows) {
    const auto x = integer_rows(rows, in, in, 22);
    int8_t* xq = static_cast<int8_t*>(map) + page - rows * qs;  // the last row's last byte, then the guard
    std::vector<float> x_scale(static_cast<size_t>(rows)), y(static_cast<size_t>(rows * out));
    quantize_rows(x.data(), in, rows, in, k().s8_offset_x, xq, qs, x_scale.data());
    k().gemm_s8(xq, qs, x_scale.data(), rows, packed.get(), w_scale.data(), in, out, nullptr, y.data(), out, 0,
                panel_count(out, k().s8_panel), kNone);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t o = 0; o < out; ++o) {
        int64_t sum = 0;  // integers with 127 in every row: scales of 1, so y is the exact sum
        for (int64_t i = 0; i < in; ++i) sum += static_cast<int64_t>(x[r * in + i]) * static_cast<int64_t>(w[o * in + i]);
        ASSERT_EQ(y[r * out + o], static_cast<float>(sum)) << rows << " rows, row " << r << " col " << o;
      }
    }
  }
  munmap(map, static_cast<size_t>(2 * page));
}

TEST_P(Int8Variant, CloseToTheFloatProduct) {
  const Shape s{37, 130, 300, 0};
  const auto x = random_floats(37 * 300, 6), w = random_floats(130 * 300, 7), b = random_floats(130, 8);
  const std::vector<float> y = product(k(), s, x, w, b.data(), kNone, 1);
  for (int64_t r = 0; r < s.rows; ++r) {
    for (int64_t o = 0; o < s.out; ++o) {
      double v = b[static_cast<size_t>(o)];
      for (int64_t i = 0; i < s.in; ++i) v += double{x[static_cast<size_t>(r * s.in + i)]} * w[static_cast<size_t>(o * s.in + i)];
      // Each operand is off by at most half a step (2/127/2); sqrt(300) such errors of ~2 each.
      ASSERT_NEAR(y[static_cast<size_t>(r * s.out + o)], v, 0.5) << r << " " << o;
    }
  }
}

TEST_P(Int8Variant, PackedLayoutReadsBack) {
  const int64_t out = 45, in = 23;
  const auto w = integer_rows(out, in, in, 9);
  std::vector<int8_t> q(static_cast<size_t>(out * in));
  std::vector<float> scale(static_cast<size_t>(out));
  quantize_rows(w.data(), in, out, in, false, q.data(), in, scale.data());
  const S8Layout layout = s8_layout(k().s8_panel, in);
  auto packed = aligned<int8_t>(layout.bytes(out));
  k().pack_s8(q.data(), out, in, packed.get());
  for (int64_t o = 0; o < out; ++o) {
    EXPECT_EQ(scale[static_cast<size_t>(o)], 1.0f);
    for (int64_t i = 0; i < in; ++i) {
      ASSERT_EQ(packed[layout.index(o, i)], static_cast<int8_t>(w[static_cast<size_t>(o * in + i)])) << o << " " << i;
    }
  }
}

// Each variant quantizes at its own vector width; q and the scales must be the generic ones,
// bit for bit, rounding ties (x / scale = n + 0.5) included.
TEST_P(Int8Variant, QuantizesRowsAsTheGenericVariant) {
  const int64_t rows = 9, cols = 77, stride = 80;
  auto x = random_floats(static_cast<size_t>(rows * cols), 21);
  for (int64_t i = 0; i < cols; i += 5) x[static_cast<size_t>(2 * cols + i)] = 0.5f + static_cast<float>(i % 60);  // ties
  x[static_cast<size_t>(2 * cols + 1)] = 127.0f;
  for (const bool offset : {false, true}) {
    std::vector<int8_t> q(static_cast<size_t>(rows * stride)), expected(q.size());
    std::vector<float> scale(static_cast<size_t>(rows)), expected_scale(scale.size());
    k().quantize_rows(x.data(), cols, rows, cols, offset, q.data(), stride, scale.data());
    quantize_rows(x.data(), cols, rows, cols, offset, expected.data(), stride, expected_scale.data());
    EXPECT_EQ(q, expected) << "offset " << offset;
    EXPECT_EQ(scale, expected_scale);
  }
}

INSTANTIATE_TEST_SUITE_P(Runnable, Int8Variant, ::testing::ValuesIn(supported()),
                         [](const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); });

TEST(QuantizeRows, SymmetricRoundedClampedAndPadded) {
  const float x[6] = {1.0f, -2.0f, 0.5f, 0.0f, 0.01f, 2.0f};
  int8_t q[8];
  float scale;
  quantize_rows(x, 6, 1, 6, false, q, 8, &scale);
  EXPECT_FLOAT_EQ(scale, 2.0f / 127.0f);
  const int8_t expected[8] = {64, -127, 32, 0, 1, 127, 0, 0};  // 63.5 rounds away from zero
  for (int i = 0; i < 8; ++i) EXPECT_EQ(q[i], expected[i]) << i;
  quantize_rows(x, 6, 1, 6, true, q, 8, &scale);  // as u8 = q + 128
  EXPECT_EQ(static_cast<uint8_t>(q[1]), 1);
  EXPECT_EQ(static_cast<uint8_t>(q[6]), 128);
  const float zeros[3] = {};
  quantize_rows(zeros, 3, 1, 3, false, q, 4, &scale);
  EXPECT_EQ(scale, 0.0f);
  EXPECT_EQ(q[0], 0);
}

}  // namespace
}  // namespace bertcpp::kernels
