// What the CPU this process runs on can execute, probed once (cpuid + xgetbv on x86-64,
// getauxval on ARM64). The kernels pick their variant from it; nothing is assumed from the
// machine the library was built on.
#pragma once

#include <string>
#include <vector>

namespace bertcpp::runtime {

struct CpuFeatures {
  // x86-64. The AVX and AVX-512 flags are set only when the OS also saves those registers.
  bool sse42 = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false;
  bool avx512_bf16 = false, avx512_vnni = false, avx_vnni = false;
  // ARM64: Advanced SIMD is part of the architecture; dotprod is sdot/udot.
  bool neon = false, dotprod = false;
};

const CpuFeatures& cpu_features();
// The set flags by name ("avx2", "fma", "avx512f", "avx512_bf16", "neon", ...), for cpu_info().
std::vector<std::string> cpu_feature_names(const CpuFeatures& features);

}  // namespace bertcpp::runtime
