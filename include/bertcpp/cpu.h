// What the CPU this process runs on can do, and which kernel variant bertcpp runs on it.
//
//   bertcpp::CpuInfo info = bertcpp::cpu_info();
//   info.isa;         // "avx512_bf16", "avx512", "avx2", "neon" or "generic": the variant in use
//   info.supported;   // every variant this CPU can run, generic first
//   info.precisions;  // precisions that run fast here: "float32", and "bfloat16", "int8" where they do
//
// One build runs everywhere: each variant is compiled on its own and the best one the CPU
// can run is chosen when the first model loads. BERTCPP_CPU_ISA=generic|avx2|avx512|
// avx512_bf16|neon forces one (an error naming what the CPU can run if it cannot run that).
#pragma once

#include <bertcpp/types.h>

#include <string>
#include <vector>

namespace bertcpp {

struct CpuInfo {
  std::string isa;
  std::vector<std::string> supported;
  std::vector<std::string> precisions;
  std::vector<std::string> features;  // detected: "avx2", "fma", "avx512f", "avx512_bf16", "neon", ...
};

// Throws std::invalid_argument when BERTCPP_CPU_ISA names a variant this CPU cannot run.
CpuInfo cpu_info();

// Every precision runs on every CPU; this says whether it runs at its full speed here
// (bfloat16: the CPU has AVX512_BF16's bfloat16 dot products; int8: the variant has an
// integer SIMD tile, i.e. AVX2 or better; ARM64 runs the generic one for now).
bool precision_fast(Precision precision);

}  // namespace bertcpp
