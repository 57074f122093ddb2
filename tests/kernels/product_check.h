// What the float32 and int8 kernel tests share: the value y starts as, and the walk over a
// product's output that checks the padding columns kept it and hands every real element on.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace bertcpp::kernels::testing {

// y is filled with this before a product; a kernel must not write past the last column.
constexpr float kUntouched = 777.0f;

// For y of `rows` rows, `out` columns and `pad` more floats per row: asserts the pad kept
// kUntouched, calls check(r, o, y[r, o]) for the rest; stops at the first fatal failure.
template <typename Check>
void for_each_output(const std::vector<float>& y, int64_t rows, int64_t out, int64_t pad, Check&& check) {
  const int64_t stride = out + pad;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < stride; ++o) {
      const float got = y[static_cast<size_t>(r * stride + o)];
      if (o >= out) {
        ASSERT_EQ(got, kUntouched) << "wrote past column " << out << ", row " << r;
      } else {
        check(r, o, got);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

}  // namespace bertcpp::kernels::testing
