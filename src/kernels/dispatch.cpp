// The variant tables and the run-time choice between them.
#include "kernels/kernels.h"

#include "kernels/float_convert.h"
#include "kernels/variants.h"
#include "runtime/cpu_features.h"

#include <cstdlib>
#include <new>
#include <stdexcept>

namespace bertcpp::kernels {

namespace {

#define BERTCPP_GEMM(ns) ns::pack, ns::pack_rows, ns::gemm
#define BERTCPP_WIDENED_BF16(ns) ns::bf16_count, ns::pack_bf16, ns::pack_bf16_rows, ns::bf16_weight, ns::x_bf16_stride, nullptr, nullptr, ns::gemm_bf16
#define BERTCPP_S8(ns) ns::pack_s8, ns::quantize_rows, ns::gemm_s8
#define BERTCPP_ELEMENTWISE(ns) ns::activate, ns::layer_norm, ns::softmax

const Kernels kGeneric = {Isa::Generic, generic::kPanelWidth, false, generic::kS8PanelWidth, false,
                          BERTCPP_GEMM(generic), BERTCPP_WIDENED_BF16(generic), BERTCPP_S8(generic),
                          BERTCPP_ELEMENTWISE(generic), generic::halfs_to_floats, generic::crc32c_extend};
#if defined(BERTCPP_KERNELS_X86)
const Kernels kAvx2 = {Isa::Avx2, avx2::kPanelWidth, false, avx2::kS8PanelWidth, false, BERTCPP_GEMM(avx2),
                       BERTCPP_WIDENED_BF16(avx2), BERTCPP_S8(avx2), BERTCPP_ELEMENTWISE(avx2), avx2::halfs_to_floats, avx2::crc32c_extend};
// int8 without VNNI: the AVX2 kernel (an AVX-512BW one has no vpsignb to move x's sign with).
const Kernels kAvx512 = {Isa::Avx512, avx512::kPanelWidth, false, avx2::kS8PanelWidth, false,
                         BERTCPP_GEMM(avx512), BERTCPP_WIDENED_BF16(avx512), BERTCPP_S8(avx2),
                         BERTCPP_ELEMENTWISE(avx512), avx2::halfs_to_floats, avx2::crc32c_extend};
const Kernels kAvx512Bf16 = {Isa::Avx512Bf16,
                             avx512::kPanelWidth,  // the bfloat16 panels are as wide
                             true,
                             avx512_bf16::kS8PanelWidth,
                             true,  // vpdpbusd: u8 x s8
                             BERTCPP_GEMM(avx512),
                             avx512_bf16::bf16_count,
                             avx512_bf16::pack_bf16,
                             avx512_bf16::pack_bf16_rows,
                             avx512_bf16::bf16_weight,
                             avx512_bf16::x_bf16_stride,
                             avx512_bf16::round_rows,
                             avx512_bf16::softmax_bf16,
                             avx512_bf16::gemm_bf16,
                             BERTCPP_S8(avx512_bf16),
                             BERTCPP_ELEMENTWISE(avx512),
                             avx2::halfs_to_floats,
                             avx2::crc32c_extend};
#endif
#if defined(BERTCPP_KERNELS_NEON)
// int8: the sdot tile where the CPU has ARMv8.2's dot product, else the generic kernel.
const Kernels kNeon = {Isa::Neon, neon::kPanelWidth, false, generic::kS8PanelWidth, false, BERTCPP_GEMM(neon),
                       BERTCPP_WIDENED_BF16(neon), BERTCPP_S8(generic), BERTCPP_ELEMENTWISE(neon), generic::halfs_to_floats, generic::crc32c_extend};
const Kernels kNeonDotprod = {Isa::Neon, neon::kPanelWidth, false, neon_dotprod::kS8PanelWidth, false,
                              BERTCPP_GEMM(neon), BERTCPP_WIDENED_BF16(neon), BERTCPP_S8(neon_dotprod),
                              BERTCPP_ELEMENTWISE(neon), generic::halfs_to_floats, generic::crc32c_extend};
#endif

// Whether this CPU can run a variant (and this build has it).
const Kernels* runnable(Isa isa) {
  const runtime::CpuFeatures& f = runtime::cpu_features();
  switch (isa) {
    case Isa::Generic:
      return &kGeneric;
#if defined(BERTCPP_KERNELS_X86)
    case Isa::Avx2:
      return f.avx2 && f.fma && f.f16c && f.sse42 ? &kAvx2 : nullptr;
    case Isa::Avx512:
      return runnable(Isa::Avx2) && f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl ? &kAvx512 : nullptr;
    case Isa::Avx512Bf16:
      return runnable(Isa::Avx512) && f.avx512_bf16 && f.avx512_vnni ? &kAvx512Bf16 : nullptr;
#endif
#if defined(BERTCPP_KERNELS_NEON)
    case Isa::Neon:
      return !f.neon ? nullptr : f.dotprod ? &kNeonDotprod : &kNeon;
#endif
    default:
      return nullptr;
  }
}

constexpr Isa kAll[] = {Isa::Generic, Isa::Avx2, Isa::Avx512, Isa::Avx512Bf16, Isa::Neon};

std::string names(const std::vector<Isa>& isas) {
  std::string s;
  for (Isa isa : isas) s += (s.empty() ? "" : ", ") + std::string(isa_name(isa));
  return s;
}

const Kernels& select() {
  const char* forced = std::getenv("BERTCPP_CPU_ISA");
  if (forced != nullptr && *forced != '\0') {
    const std::optional<Isa> isa = parse_isa(forced);
    if (!isa) {
      throw std::invalid_argument(std::string("BERTCPP_CPU_ISA=") + forced +
                                  " is not a kernel variant: use one of generic, avx2, avx512, avx512_bf16, neon");
    }
    const Kernels* k = runnable(*isa);
    if (k == nullptr) {
      throw std::invalid_argument(std::string("BERTCPP_CPU_ISA=") + forced +
                                  ": this CPU (or this build) cannot run that variant; it can run " + names(supported()));
    }
    return *k;
  }
  return *runnable(supported().back());
}

}  // namespace

const Kernels& active() {
  static const Kernels& kernels = select();
  return kernels;
}

namespace {
// Made when the library loads: made lazily, a fork from another thread during the first call
// would copy a half-made static (its guard taken) into a child that then waits on it forever.
// A bad BERTCPP_CPU_ISA is not reported here but by the first call, which throws again.
[[maybe_unused]] const Kernels* kernels_at_load = [] {
  try {
    return &active();
  } catch (const std::exception&) {
    return static_cast<const Kernels*>(nullptr);
  }
}();
}  // namespace

const Kernels* find(Isa isa) { return runnable(isa); }

std::vector<Isa> supported() {
  std::vector<Isa> out;
  for (Isa isa : kAll) {
    if (runnable(isa) != nullptr) out.push_back(isa);
  }
  return out;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Generic: return "generic";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
    case Isa::Avx512Bf16: return "avx512_bf16";
    case Isa::Neon: return "neon";
  }
  return "generic";
}

std::optional<Isa> parse_isa(const std::string& name) {
  for (Isa isa : kAll) {
    if (name == isa_name(isa)) return isa;
  }
  return std::nullopt;
}

void AlignedFree::operator()(void* p) const { std::free(p); }

void* aligned_bytes(size_t bytes) {
  const size_t rounded = (bytes == 0 ? 64 : bytes + 63) / 64 * 64;  // aligned_alloc's rule
  void* p = std::aligned_alloc(64, rounded);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

bf16 to_bf16(float f) { return detail::float_to_bfloat16(f); }
float from_bf16(bf16 b) { return detail::bfloat16_to_float(b); }

}  // namespace bertcpp::kernels
