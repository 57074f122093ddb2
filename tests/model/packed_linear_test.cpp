// The packed dense kernel against a double-precision y = act(x W^T + b), over the shapes where
// a tiled kernel goes wrong: partial panels (out not a multiple of 32), partial row tiles (rows
// not a multiple of 12), more than one row block (> 384 rows), strided x and y, more threads
// than panels. It runs on the kernel variant in use; ctest runs it once per variant the CPU
// has (BERTCPP_CPU_ISA), and tests/kernels compares the variants directly.
#include <bertcpp/detail/model/packed_linear.h>

#include "kernels/kernels.h"  // to_bf16, for the bfloat16 reference

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <optional>
#include <ostream>
#include <random>
#include <stdexcept>
#include <vector>

namespace bertcpp {
namespace {

struct Case {
  int64_t rows, out, in;
  int threads;
  std::optional<Activation> activation;
  int64_t x_pad = 0, y_pad = 0;  // extra floats per row of x and y
  Precision precision = Precision::Float32;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.rows << " rows x " << c.in << " -> " << c.out << " on " << c.threads << " thread(s)";
}

std::vector<float> random_floats(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& f : v) f = normal(gen);
  return v;
}

double reference_activation(double v, Activation a) {
  switch (a) {
    case Activation::Gelu: return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
    case Activation::GeluTanh: return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    case Activation::Relu: return v > 0 ? v : 0;
  }
  return v;
}

class PackedLinearCase : public ::testing::TestWithParam<Case> {};

TEST_P(PackedLinearCase, MatchesTheDefinition) {
  const Case c = GetParam();
  // bfloat16 rounds W (and, in hardware, x) first; the products and sums are then float32's.
  const bool bf16 = c.precision == Precision::BFloat16;
  auto weight = [&](float v) { return bf16 ? kernels::from_bf16(kernels::to_bf16(v)) : v; };
  auto input = [&](float v) { return bf16 && kernels::active().native_bf16 ? weight(v) : v; };
  const int64_t x_stride = c.in + c.x_pad, y_stride = c.out + c.y_pad;
  const std::vector<float> w = random_floats(static_cast<size_t>(c.out * c.in), 1);
  const std::vector<float> b = random_floats(static_cast<size_t>(c.out), 2);
  const std::vector<float> x = random_floats(static_cast<size_t>(c.rows * x_stride), 3);
  const float sentinel = 12345.0f;
  std::vector<float> y(static_cast<size_t>(c.rows * y_stride), sentinel);

  const PackedLinear dense(w.data(), b.data(), c.out, c.in, c.precision);
  EXPECT_EQ(dense.out(), c.out);
  EXPECT_EQ(dense.in(), c.in);
  dense.apply(x.data(), x_stride, c.rows, y.data(), y_stride, c.threads, c.activation);

  for (int64_t r = 0; r < c.rows; ++r) {
    for (int64_t o = 0; o < c.out; ++o) {
      double v = b[static_cast<size_t>(o)];
      for (int64_t k = 0; k < c.in; ++k) {
        v += double{input(x[static_cast<size_t>(r * x_stride + k)])} * weight(w[static_cast<size_t>(o * c.in + k)]);
      }
      if (c.activation) v = reference_activation(v, *c.activation);
      // fp32 accumulation over `in` terms of unit variance: error grows like sqrt(in).
      ASSERT_NEAR(y[static_cast<size_t>(r * y_stride + o)], v, 2e-6 * std::sqrt(double(c.in)) * (1 + std::abs(v)))
          << "row " << r << " column " << o;
    }
    for (int64_t o = c.out; o < y_stride; ++o) {
      ASSERT_EQ(y[static_cast<size_t>(r * y_stride + o)], sentinel) << "wrote past column " << c.out << " of row " << r;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, PackedLinearCase,
    ::testing::Values(Case{1, 1, 1, 1, std::nullopt},           // the smallest product
                      Case{12, 32, 64, 1, std::nullopt},        // exactly one tile
                      Case{13, 33, 17, 1, std::nullopt},        // one past a tile and a panel
                      Case{5, 31, 7, 1, std::nullopt},          // a partial panel only
                      Case{7, 48, 100, 1, std::nullopt},        // a panel and a half
                      Case{400, 70, 40, 1, std::nullopt},       // two row blocks
                      Case{128, 312, 312, 2, std::nullopt},     // TinyBERT's width on 2 threads
                      Case{3, 96, 50, 7, std::nullopt},         // more threads than panels
                      Case{29, 100, 64, 3, Activation::Gelu},   // the activation on partial tiles
                      Case{9, 40, 33, 2, Activation::GeluTanh},
                      Case{9, 40, 33, 1, Activation::Relu},
                      Case{11, 64, 64, 2, std::nullopt, 5, 3},  // strided x, y wider than out
                      Case{2, 768, 3072, 2, Activation::Gelu},  // BERT-base's output dense
                      // bfloat16: pairs of k steps, so odd `in` leaves half a pair
                      Case{13, 33, 17, 1, std::nullopt, 0, 0, Precision::BFloat16},
                      Case{400, 70, 64, 2, Activation::Gelu, 3, 1, Precision::BFloat16},
                      Case{1, 1, 1, 1, std::nullopt, 0, 0, Precision::BFloat16},
                      Case{30, 768, 3072, 2, std::nullopt, 0, 0, Precision::BFloat16}),
    [](const ::testing::TestParamInfo<Case>& info) {
      const Case& c = info.param;
      std::string name = std::to_string(c.rows) + "x" + std::to_string(c.in) + "_to_" + std::to_string(c.out) + "_" +
                         std::to_string(c.threads) + "thr";
      if (c.activation) name += std::string("_") + (*c.activation == Activation::Relu ? "relu" : "gelu");
      if (c.x_pad || c.y_pad) name += "_strided";
      if (c.precision == Precision::BFloat16) name += "_bf16";
      return name + "_" + std::to_string(info.index);
    });

TEST(PackedLinear, ThreadCountDoesNotChangeASingleBit) {
  const int64_t rows = 50, out = 200, in = 96;
  const std::vector<float> w = random_floats(out * in, 4), b = random_floats(out, 5), x = random_floats(rows * in, 6);
  for (Precision precision : {Precision::Float32, Precision::BFloat16}) {
    const PackedLinear dense(w.data(), b.data(), out, in, precision);
    std::vector<float> one(rows * out), two(rows * out), three(rows * out);
    dense.apply(x.data(), in, rows, one.data(), out, 1);
    dense.apply(x.data(), in, rows, two.data(), out, 2);
    dense.apply(x.data(), in, rows, three.data(), out, 3);
    EXPECT_EQ(one, two) << precision_name(precision);
    EXPECT_EQ(one, three) << precision_name(precision);
  }
}

// x whose rows are a multiple of 4 KB apart is copied to rows a cache line further apart
// (kernels::unaliased_stride), and int8 and bfloat16 lay their rows out that way: the result is
// the bits of x given at any other stride, whatever the precision, on 1 and 2 threads.
TEST(PackedLinear, RowsFourKilobytesApartGiveTheSameBits) {
  const int64_t rows = 29, out = 40, in = 1024;  // 1024 floats: 4 KB rows (BERT-large's hidden size)
  const std::vector<float> w = random_floats(out * in, 40), b = random_floats(out, 41);
  const std::vector<float> x = random_floats(rows * in, 42);
  std::vector<float> x_apart(rows * (in + 5));
  for (int64_t r = 0; r < rows; ++r) std::copy(x.begin() + r * in, x.begin() + (r + 1) * in, x_apart.begin() + r * (in + 5));
  for (Precision precision : {Precision::Float32, Precision::BFloat16, Precision::Int8}) {
    const PackedLinear dense(w.data(), b.data(), out, in, precision);
    for (int threads : {1, 2}) {
      std::vector<float> aliased(rows * out), apart(rows * out);
      dense.apply(x.data(), in, rows, aliased.data(), out, threads, Activation::Gelu);
      dense.apply(x_apart.data(), in + 5, rows, apart.data(), out, threads, Activation::Gelu);
      EXPECT_EQ(aliased, apart) << precision_name(precision) << ", " << threads << " thread(s)";
    }
  }
  EXPECT_EQ(kernels::unaliased_stride(1024, 4), 1040);  // a cache line more
  EXPECT_EQ(kernels::unaliased_stride(3072, 1), 3072);  // not a multiple of 4 KB: as it is
  EXPECT_EQ(kernels::unaliased_stride(2048, 2), 2080);
}

TEST(PackedLinear, KeepsTheWeightItWasGiven) {
  const int64_t out = 45, in = 19;
  const std::vector<float> w = random_floats(out * in, 7), b(out, 0.0f);
  const PackedLinear dense(w.data(), b.data(), out, in);
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i) ASSERT_EQ(dense.weight(o, i), w[o * in + i]) << o << ", " << i;
  }
  const PackedLinear rounded(w.data(), b.data(), out, in, Precision::BFloat16);
  EXPECT_EQ(rounded.precision(), Precision::BFloat16);
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i) {
      ASSERT_EQ(rounded.weight(o, i), kernels::from_bf16(kernels::to_bf16(w[o * in + i]))) << o << ", " << i;
    }
  }
}

TEST(PackedLinear, BFloat16RoundsToNearestEven) {
  struct Row {
    float in;
    uint16_t bits;
  };
  for (const Row& r : {Row{1.0f, 0x3F80}, Row{-2.5f, 0xC020}, Row{0.0f, 0x0000},
                       Row{1.0f + 0x1p-8f, 0x3F80},            // a tie: stays on the even 1.0
                       Row{1.0f + 0x1p-7f + 0x1p-8f, 0x3F82},  // a tie: goes up to the even neighbour
                       Row{1.0f + 0x1p-8f + 0x1p-20f, 0x3F81},  // above the tie: up
                       Row{3.0e38f, 0x7F62}, Row{INFINITY, 0x7F80}}) {
    EXPECT_EQ(kernels::to_bf16(r.in), r.bits) << r.in;
  }
  EXPECT_TRUE(std::isnan(kernels::from_bf16(kernels::to_bf16(NAN))));
}

TEST(PackedLinear, PrecisionNamesRoundTrip) {
  for (Precision p : {Precision::Float32, Precision::BFloat16, Precision::Int8}) {
    EXPECT_EQ(parse_precision(precision_name(p)), p);
  }
  EXPECT_EQ(parse_precision("bf16"), Precision::BFloat16);
  EXPECT_EQ(parse_precision("fp32"), Precision::Float32);
  try {
    parse_precision("int4");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("float32, bfloat16, int8"), std::string::npos) << e.what();
  }
}

TEST(PackedLinear, EmptyOrNullWeightsAreInvalid) {
  const float one = 1.0f;
  EXPECT_THROW(PackedLinear(nullptr, &one, 1, 1), std::invalid_argument);
  EXPECT_THROW(PackedLinear(&one, &one, 0, 1), std::invalid_argument);
  EXPECT_THROW(PackedLinear(&one, &one, 1, -3), std::invalid_argument);
}

}  // namespace
}  // namespace bertcpp
