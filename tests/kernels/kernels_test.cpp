// Every kernel variant this CPU can run, side by side: each against the double-precision
// definition and against the generic variant, over partial tiles and panels, strides, row
// blocks and split panel ranges (what threads do), and the element-wise passes on their edge
// values. A machine with AVX-512 runs the avx2 and generic variants here too.
#include "kernels/kernels.h"
#include "kernels/product_check.h"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace bertcpp::kernels {
namespace {

std::vector<float> random_floats(size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (float& f : v) f = normal(gen);
  return v;
}

double gelu(double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }
double gelu_tanh(double v) { return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))); }

struct Shape {
  int64_t rows, out, in;
  int activation;     // kNone or an Activation
  int64_t pad;        // extra floats per row of x and y
};

class Variant : public ::testing::TestWithParam<Isa> {
 protected:
  const Kernels& k() const { return *find(GetParam()); }

  // y = act(x W^T + b) through the variant: packed, then run as `parts` panel ranges.
  std::vector<float> product(const Kernels& kern, const Shape& s, const std::vector<float>& x,
                             const std::vector<float>& w, const std::vector<float>& b, bool use_bf16, int parts) const {
    const int64_t xs = s.in + s.pad, ys = s.out + s.pad;
    std::vector<float> y(static_cast<size_t>(s.rows * ys), testing::kUntouched);
    const int64_t panels = panel_count(s.out, kern.panel);
    Aligned<float> packed = aligned<float>(packed_count(s.out, s.in, kern.panel));
    Aligned<bf16> packed16 = aligned<bf16>(kern.bf16_count(s.out, s.in));
    std::vector<bf16> rounded;
    const void* xin = x.data();
    int64_t xstride = xs;
    if (use_bf16) {
      kern.pack_bf16(w.data(), s.in, s.out, s.in, packed16.get());
      if (kern.native_bf16) {
        xstride = kern.x_bf16_stride(s.in);
        rounded.resize(static_cast<size_t>(s.rows * xstride));
        kern.round_rows(x.data(), xs, s.rows, s.in, rounded.data(), xstride);
        xin = rounded.data();
      }
    } else {
      kern.pack(w.data(), s.in, s.out, s.in, packed.get());
    }
    for (int p = 0; p < parts; ++p) {
      const int64_t first = panels * p / parts, end = panels * (p + 1) / parts;
      if (use_bf16) {
        kern.gemm_bf16(xin, xstride, s.rows, packed16.get(), s.in, s.out, b.data(), y.data(), ys, first, end,
                       s.activation);
      } else {
        kern.gemm(x.data(), xs, s.rows, packed.get(), s.in, s.out, b.data(), y.data(), ys, first, end, s.activation);
      }
    }
    return y;
  }
};

const Shape kShapes[] = {
    {1, 1, 1, kNone, 0},      {12, 32, 64, kNone, 0},   {13, 33, 17, kNone, 0},
    {5, 31, 7, kNone, 3},     {7, 48, 100, kNone, 0},   {400, 70, 40, kNone, 1},
    {6, 17, 9, static_cast<int>(Activation::Gelu), 0},  {29, 100, 64, static_cast<int>(Activation::GeluTanh), 2},
    {9, 40, 33, static_cast<int>(Activation::Relu), 0}, {3, 768, 256, static_cast<int>(Activation::Gelu), 0},
};

TEST_P(Variant, MatrixProductMatchesTheDefinition) {
  for (bool use_bf16 : {false, true}) {
    for (const Shape& s : kShapes) {
      const int64_t xs = s.in + s.pad;
      const auto x = random_floats(static_cast<size_t>(s.rows * xs), 1), w = random_floats(static_cast<size_t>(s.out * s.in), 2);
      const auto b = random_floats(static_cast<size_t>(s.out), 3);
      const std::vector<float> y = product(k(), s, x, w, b, use_bf16, 1);
      auto wv = [&](float v) { return use_bf16 ? from_bf16(to_bf16(v)) : v; };
      auto xv = [&](float v) { return use_bf16 && k().native_bf16 ? from_bf16(to_bf16(v)) : v; };
      testing::for_each_output(y, s.rows, s.out, s.pad, [&](int64_t r, int64_t o, float got) {
        double v = b[static_cast<size_t>(o)];
        for (int64_t i = 0; i < s.in; ++i) v += double{xv(x[static_cast<size_t>(r * xs + i)])} * wv(w[static_cast<size_t>(o * s.in + i)]);
        if (s.activation == static_cast<int>(Activation::Gelu)) v = gelu(v);
        if (s.activation == static_cast<int>(Activation::GeluTanh)) v = gelu_tanh(v);
        if (s.activation == static_cast<int>(Activation::Relu)) v = v > 0 ? v : 0;
        ASSERT_NEAR(got, v, 3e-6 * std::sqrt(double(s.in)) * (1 + std::abs(v)))
            << isa_name(GetParam()) << (use_bf16 ? " bf16 " : " f32 ") << s.rows << "x" << s.in << "->" << s.out
            << " row " << r << " col " << o;
      });
      if (HasFatalFailure()) return;
    }
  }
}

TEST_P(Variant, SplittingThePanelsDoesNotChangeABit) {
  const Shape s{50, 200, 96, static_cast<int>(Activation::Gelu), 0};
  const auto x = random_floats(50 * 96, 4), w = random_floats(200 * 96, 5), b = random_floats(200, 6);
  for (bool use_bf16 : {false, true}) {
    const std::vector<float> whole = product(k(), s, x, w, b, use_bf16, 1);
    EXPECT_EQ(whole, product(k(), s, x, w, b, use_bf16, 2));
    EXPECT_EQ(whole, product(k(), s, x, w, b, use_bf16, 5));
  }
}

// x's rows end right before an inaccessible page, for every tile height (float32 and bfloat16
// weights): a tile that reads past its rows faults here. The same bits as from an ordinary
// buffer. (int8_kernels_test has the int8 twin, which caught a real over-read on ARM64.)
TEST_P(Variant, ReadsNothingPastItsRows) {
  const int64_t page = sysconf(_SC_PAGESIZE), out = 40, in = 24;
  const auto w = random_floats(out * in, 23);
  Aligned<float> packed = aligned<float>(packed_count(out, in, k().panel));
  Aligned<bf16> packed16 = aligned<bf16>(k().bf16_count(out, in));
  k().pack(w.data(), in, out, in, packed.get());
  k().pack_bf16(w.data(), in, out, in, packed16.get());
  const int64_t panels = panel_count(out, k().panel);
  char* map = static_cast<char*>(
      mmap(nullptr, static_cast<size_t>(2 * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(static_cast<void*>(map), MAP_FAILED);
  ASSERT_EQ(mprotect(map + page, static_cast<size_t>(page), PROT_NONE), 0);
  for (int64_t rows = 1; rows <= 13; ++rows) {
    const auto x = random_floats(static_cast<size_t>(rows * in), 24);
    float* guarded = reinterpret_cast<float*>(map + page) - rows * in;
    std::memcpy(guarded, x.data(), x.size() * sizeof(float));
    std::vector<float> y(static_cast<size_t>(rows * out)), expected = y;
    k().gemm(x.data(), in, rows, packed.get(), in, out, nullptr, expected.data(), out, 0, panels, kNone);
    k().gemm(guarded, in, rows, packed.get(), in, out, nullptr, y.data(), out, 0, panels, kNone);
    EXPECT_EQ(y, expected) << rows << " rows, float32";
    const int64_t xs = k().native_bf16 ? k().x_bf16_stride(in) : in;
    const void* x16 = guarded;
    std::vector<bf16> rounded;
    if (k().native_bf16) {  // the rounded rows are what the tile reads: they end at the guard
      rounded.resize(static_cast<size_t>(rows * xs));
      k().round_rows(x.data(), in, rows, in, rounded.data(), xs);
      bf16* at_end = reinterpret_cast<bf16*>(map + page) - rows * xs;
      std::memcpy(at_end, rounded.data(), rounded.size() * sizeof(bf16));
      x16 = at_end;
    }
    k().gemm_bf16(k().native_bf16 ? static_cast<const void*>(rounded.data()) : x.data(), xs, rows, packed16.get(), in,
                  out, nullptr, expected.data(), out, 0, panels, kNone);
    k().gemm_bf16(x16, xs, rows, packed16.get(), in, out, nullptr, y.data(), out, 0, panels, kNone);
    EXPECT_EQ(y, expected) << rows << " rows, bfloat16";
  }
  munmap(map, static_cast<size_t>(2 * page));
}

TEST_P(Variant, AgreesWithTheGenericVariant) {
  const Shape s{37, 130, 70, static_cast<int>(Activation::Gelu), 0};
  const auto x = random_floats(37 * 70, 7), w = random_floats(130 * 70, 8), b = random_floats(130, 9);
  const std::vector<float> ours = product(k(), s, x, w, b, false, 1), reference = product(*find(Isa::Generic), s, x, w, b, false, 1);
  for (size_t i = 0; i < ours.size(); ++i) ASSERT_NEAR(ours[i], reference[i], 1e-4 * (1 + std::abs(reference[i]))) << i;
}

TEST_P(Variant, PackedWeightsReadBack) {
  const int64_t out = 45, in = 19;
  const auto w = random_floats(out * in, 10);
  Aligned<bf16> packed = aligned<bf16>(k().bf16_count(out, in));
  k().pack_bf16(w.data(), in, out, in, packed.get());
  Aligned<float> packed32 = aligned<float>(packed_count(out, in, k().panel));
  k().pack(w.data(), in, out, in, packed32.get());
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i) {
      ASSERT_EQ(k().bf16_weight(packed.get(), in, o, i), from_bf16(to_bf16(w[o * in + i])));
      ASSERT_EQ(packed_weight(packed32.get(), in, k().panel, o, i), w[o * in + i]);
    }
  }
}

// Attention packs V [len, d] from its rows (pack_rows, pack_bf16_rows) and K as a weight: the
// two routes must lay out the same panels, padding included, for every split of the shape.
TEST_P(Variant, PackingRowsEqualsPackingTheTranspose) {
  for (const auto& [rows, cols, stride] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1}, {7, 19, 21}, {64, 64, 64},
                                           {33, 45, 50}, {512, 64, 2304}, {3, 97, 100}}) {
    const auto b = random_floats(static_cast<size_t>(rows * stride), 12);
    std::vector<float> t(static_cast<size_t>(cols * rows));  // B^T [cols, rows]
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t c = 0; c < cols; ++c) t[c * rows + i] = b[i * stride + c];
    }
    const size_t n32 = packed_count(cols, rows, k().panel), n16 = k().bf16_count(cols, rows);
    Aligned<float> from_rows = aligned<float>(n32), from_t = aligned<float>(n32);
    Aligned<bf16> from_rows16 = aligned<bf16>(n16), from_t16 = aligned<bf16>(n16);
    std::memset(from_rows.get(), 0xAB, n32 * sizeof(float));
    std::memset(from_t.get(), 0xCD, n32 * sizeof(float));
    std::memset(from_rows16.get(), 0xAB, n16 * sizeof(bf16));
    std::memset(from_t16.get(), 0xCD, n16 * sizeof(bf16));
    k().pack_rows(b.data(), stride, rows, cols, from_rows.get());
    k().pack(t.data(), rows, cols, rows, from_t.get());
    k().pack_bf16_rows(b.data(), stride, rows, cols, from_rows16.get());
    k().pack_bf16(t.data(), rows, cols, rows, from_t16.get());
    EXPECT_EQ(std::memcmp(from_rows.get(), from_t.get(), n32 * sizeof(float)), 0) << rows << "x" << cols;
    EXPECT_EQ(std::memcmp(from_rows16.get(), from_t16.get(), n16 * sizeof(bf16)), 0) << rows << "x" << cols;
  }
}

// Packing rounds as to_bf16 does on the values where roundings differ: ties, subnormals (which
// vcvtne2ps2bf16 would flush), infinities, NaN (kept a NaN), signed zeros.
TEST_P(Variant, PackedBfloat16RoundsEdgeValuesAsToBf16) {
  auto bits = [](uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
  };
  const std::vector<float> edge = {0.0f, -0.0f, bits(0x00000001), bits(0x807FFFFF), bits(0x00008000), bits(0x00018000),
                                   bits(0x3F808000), bits(0x3F818000), bits(0x3F807FFF), bits(0x7F7FFFFF),
                                   INFINITY, -INFINITY, NAN, bits(0xFF800001), 1.0f / 3, -65504.0f, 1e-40f};
  const int64_t out = 3, in = static_cast<int64_t>(edge.size());  // each row: the edge values, rotated
  std::vector<float> w(static_cast<size_t>(out * in));
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i) w[o * in + i] = edge[(i + o) % in];
  }
  Aligned<bf16> packed = aligned<bf16>(k().bf16_count(out, in));
  k().pack_bf16(w.data(), in, out, in, packed.get());
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i) {
      const float got = k().bf16_weight(packed.get(), in, o, i), want = from_bf16(to_bf16(w[o * in + i]));
      uint32_t g, e;
      std::memcpy(&g, &got, sizeof g);
      std::memcpy(&e, &want, sizeof e);
      ASSERT_EQ(g, e) << "row " << o << " value " << i;
    }
  }
}

TEST_P(Variant, ActivationsFollowTheirDefinitionsAcrossTheRange) {
  std::vector<float> x;
  for (float v = -12.0f; v <= 12.0f; v += 0.013f) x.push_back(v);  // not a multiple of any vector width
  for (Activation a : {Activation::Gelu, Activation::GeluTanh, Activation::Relu}) {
    std::vector<float> y = x;
    k().activate(y.data(), static_cast<int64_t>(y.size()), static_cast<int>(a));
    for (size_t i = 0; i < x.size(); ++i) {
      const double v = x[i];
      const double e = a == Activation::Gelu ? gelu(v) : a == Activation::GeluTanh ? gelu_tanh(v) : (v > 0 ? v : 0);
      ASSERT_NEAR(y[i], e, 2e-6 * (1 + std::abs(e))) << activation_name(a) << " at " << v;
    }
  }
  std::vector<float> same = x;
  k().activate(same.data(), static_cast<int64_t>(same.size()), kNone);
  EXPECT_EQ(same, x);
}

TEST_P(Variant, LayerNormWithAndWithoutResidual) {
  for (int64_t cols : {1, 3, 17, 256, 771}) {
    const int64_t rows = 3, stride = cols + 2;
    auto y = random_floats(static_cast<size_t>(rows * stride), 11, 3.0f);
    const auto res = random_floats(static_cast<size_t>(rows * cols), 12), g = random_floats(static_cast<size_t>(cols), 13);
    const auto be = random_floats(static_cast<size_t>(cols), 14);
    for (bool with_residual : {false, true}) {
      std::vector<float> out = y;
      k().layer_norm(out.data(), rows, cols, stride, with_residual ? res.data() : nullptr, cols, g.data(), be.data(),
                     1e-12f);
      for (int64_t r = 0; r < rows; ++r) {
        std::vector<double> v(static_cast<size_t>(cols));
        double mean = 0, var = 0;
        for (int64_t c = 0; c < cols; ++c) {
          v[c] = y[r * stride + c] + (with_residual ? res[r * cols + c] : 0.0f);
          mean += v[c] / cols;
        }
        for (double e : v) var += (e - mean) * (e - mean) / cols;
        for (int64_t c = 0; c < cols; ++c) {
          const double e = (v[c] - mean) / std::sqrt(var + 1e-12) * g[c] + be[c];
          ASSERT_NEAR(out[r * stride + c], e, 1e-4 * (1 + std::abs(e))) << cols << " cols, row " << r << " col " << c;
        }
        EXPECT_EQ(out[r * stride + cols], y[r * stride + cols]) << "wrote past the row";
      }
    }
  }
}

TEST_P(Variant, SoftmaxSumsToOneAndResistsOverflow) {
  for (int64_t cols : {1, 2, 5, 16, 33, 129}) {
    auto x = random_floats(static_cast<size_t>(2 * cols), 15, 30.0f);
    x[0] = 1000.0f;  // a huge score must not overflow
    std::vector<float> s = x;
    k().softmax(s.data(), 2, cols, cols, 0.125f);
    for (int64_t r = 0; r < 2; ++r) {
      double max = -1e30, sum = 0;
      for (int64_t c = 0; c < cols; ++c) max = std::max<double>(max, x[r * cols + c]);
      for (int64_t c = 0; c < cols; ++c) sum += std::exp((x[r * cols + c] - max) * 0.125);
      for (int64_t c = 0; c < cols; ++c) {
        const double e = std::exp((x[r * cols + c] - max) * 0.125) / sum;
        ASSERT_NEAR(s[r * cols + c], e, 2e-6) << cols << " cols";
      }
    }
  }
}

// Where the CPU multiplies bfloat16, attention takes its probabilities from softmax_bf16: the
// bits softmax and then round_rows give, on every length (vector bodies, tails, odd lengths).
TEST_P(Variant, SoftmaxStraightToBfloat16IsSoftmaxThenRounding) {
  if (!k().native_bf16) GTEST_SKIP() << isa_name(GetParam()) << " has no bfloat16 products";
  for (int64_t cols : {1, 2, 5, 16, 31, 32, 33, 64, 129, 512}) {
    const int64_t rows = 3, stride = cols + 3, out_stride = k().x_bf16_stride(cols);
    auto x = random_floats(static_cast<size_t>(rows * stride), 16, 8.0f);
    std::vector<float> separate = x, fused = x;
    std::vector<bf16> expected(static_cast<size_t>(rows * out_stride), 0xABCD), got = expected;
    k().softmax(separate.data(), rows, cols, stride, 0.125f);
    k().round_rows(separate.data(), stride, rows, cols, expected.data(), out_stride);
    k().softmax_bf16(fused.data(), rows, cols, stride, 0.125f, got.data(), out_stride);
    EXPECT_EQ(got, expected) << cols << " cols";
  }
}

TEST_P(Variant, HalfsConvertExactlyAndChecksumsMatchThePortableOnes) {
  std::vector<unsigned char> bytes;
  for (uint32_t h = 0; h < 65536; ++h) {
    if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0) continue;  // NaNs: payload quieting differs by design
    bytes.push_back(static_cast<unsigned char>(h & 0xFF));
    bytes.push_back(static_cast<unsigned char>(h >> 8));
  }
  const size_t n = bytes.size() / 2 - 3;  // a tail that is not a multiple of 8
  std::vector<float> ours(n), reference(n);
  k().halfs_to_floats(bytes.data(), n, ours.data());
  find(Isa::Generic)->halfs_to_floats(bytes.data(), n, reference.data());
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(std::memcmp(&ours[i], &reference[i], 4), 0) << i;
  for (size_t len : {0, 1, 7, 8, 9, 1000}) {
    EXPECT_EQ(k().crc32c_extend(0, bytes.data(), len), find(Isa::Generic)->crc32c_extend(0, bytes.data(), len));
  }
}

INSTANTIATE_TEST_SUITE_P(Runnable, Variant, ::testing::ValuesIn(supported()),
                         [](const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); });

TEST(Dispatch, TheActiveVariantIsTheBestOrTheForcedOne) {
  const std::vector<Isa> all = supported();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front(), Isa::Generic);
  const char* forced = std::getenv("BERTCPP_CPU_ISA");
  EXPECT_EQ(active().isa, forced && *forced ? *parse_isa(forced) : all.back());
  for (Isa isa : all) EXPECT_EQ(parse_isa(isa_name(isa)), isa);
  EXPECT_FALSE(parse_isa("sse9").has_value());
}

}  // namespace
}  // namespace bertcpp::kernels
