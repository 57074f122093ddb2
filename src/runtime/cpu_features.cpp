#include "runtime/cpu_features.h"

#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#elif defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace bertcpp::runtime {

namespace {

#if defined(__x86_64__) || defined(__i386__)

// Register state the OS saves on a context switch (XCR0): without it the instructions fault.
unsigned long long xcr0() {
  unsigned int eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

CpuFeatures probe() {
  CpuFeatures f;
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(1, 0, eax, ebx, ecx, edx);
  f.sse42 = (ecx >> 20) & 1;
  const bool osxsave = (ecx >> 27) & 1;
  const bool avx = (ecx >> 28) & 1;
  const bool fma = (ecx >> 12) & 1;
  const bool f16c = (ecx >> 29) & 1;
  const unsigned long long xcr = osxsave ? xcr0() : 0;
  const bool ymm_state = (xcr & 0x6) == 0x6;            // SSE + AVX registers
  const bool zmm_state = ymm_state && (xcr & 0xE0) == 0xE0;  // opmask + both halves of zmm0-31
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const unsigned int leaf7_ebx = ebx, leaf7_ecx = ecx;
  __cpuid_count(7, 1, eax, ebx, ecx, edx);
  const unsigned int leaf7_1_eax = eax;
  if (avx && ymm_state) {
    f.avx2 = (leaf7_ebx >> 5) & 1;
    f.fma = fma;
    f.f16c = f16c;
    f.avx_vnni = (leaf7_1_eax >> 4) & 1;
  }
  if (zmm_state) {
    f.avx512f = (leaf7_ebx >> 16) & 1;
    f.avx512dq = (leaf7_ebx >> 17) & 1;
    f.avx512bw = (leaf7_ebx >> 30) & 1;
    f.avx512vl = (leaf7_ebx >> 31) & 1;
    f.avx512_vnni = (leaf7_ecx >> 11) & 1;
    f.avx512_bf16 = (leaf7_1_eax >> 5) & 1;
  }
  return f;
}

#elif defined(__aarch64__)

CpuFeatures probe() {
  CpuFeatures f;
  f.neon = true;  // Advanced SIMD is mandatory on ARMv8-A
#if defined(__linux__) && defined(HWCAP_ASIMDDP)
  f.dotprod = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#endif
  return f;
}

#else

CpuFeatures probe() { return {}; }

#endif

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = probe();
  return features;
}

namespace {
// Made when the library loads: made lazily, a fork from another thread during the first call
// would copy a half-made static (its guard taken) into a child that then waits on it forever.
[[maybe_unused]] const CpuFeatures& features_at_load = cpu_features();
}  // namespace

std::vector<std::string> cpu_feature_names(const CpuFeatures& f) {
  std::vector<std::string> names;
  const std::pair<bool, const char*> all[] = {
      {f.sse42, "sse4_2"},        {f.avx2, "avx2"},         {f.fma, "fma"},
      {f.f16c, "f16c"},           {f.avx_vnni, "avx_vnni"}, {f.avx512f, "avx512f"},
      {f.avx512bw, "avx512bw"},   {f.avx512dq, "avx512dq"}, {f.avx512vl, "avx512vl"},
      {f.avx512_vnni, "avx512_vnni"}, {f.avx512_bf16, "avx512_bf16"}, {f.neon, "neon"},
      {f.dotprod, "dotprod"}};
  for (const auto& [set, name] : all) {
    if (set) names.emplace_back(name);
  }
  return names;
}

}  // namespace bertcpp::runtime
