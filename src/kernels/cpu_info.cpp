#include <bertcpp/cpu.h>

#include "kernels/kernels.h"
#include "runtime/cpu_features.h"

namespace bertcpp {

bool precision_fast(Precision precision) {
  const kernels::Kernels& k = kernels::active();
  switch (precision) {
    case Precision::Float32: return true;
    case Precision::BFloat16: return k.native_bf16;
    case Precision::Int8: return k.gemm_s8 != kernels::find(kernels::Isa::Generic)->gemm_s8;  // SIMD integer tiles
  }
  return false;
}

CpuInfo cpu_info() {
  CpuInfo info;
  info.isa = kernels::isa_name(kernels::active().isa);
  for (kernels::Isa isa : kernels::supported()) info.supported.emplace_back(kernels::isa_name(isa));
  for (Precision p : {Precision::Float32, Precision::BFloat16, Precision::Int8}) {
    if (precision_fast(p)) info.precisions.emplace_back(precision_name(p));
  }
  info.features = runtime::cpu_feature_names(runtime::cpu_features());
  return info;
}

}  // namespace bertcpp
