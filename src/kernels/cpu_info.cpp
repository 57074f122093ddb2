#include <bertcpp/cpu.h>

#include "kernels/kernels.h"
#include "runtime/cpu_features.h"

namespace bertcpp {

bool precision_fast(Precision precision) {
  return precision == Precision::Float32 || kernels::active().native_bf16;
}

CpuInfo cpu_info() {
  CpuInfo info;
  info.isa = kernels::isa_name(kernels::active().isa);
  for (kernels::Isa isa : kernels::supported()) info.supported.emplace_back(kernels::isa_name(isa));
  for (Precision p : {Precision::Float32, Precision::BFloat16}) {
    if (precision_fast(p)) info.precisions.emplace_back(precision_name(p));
  }
  info.features = runtime::cpu_feature_names(runtime::cpu_features());
  return info;
}

}  // namespace bertcpp
