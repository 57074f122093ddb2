// The few types every stage shares: what a layer's products multiply in, and the activations a
// config can name. Kept apart from the loaders and the model so the kernels can depend on them
// and on nothing above.
#pragma once

#include <string>

namespace bertcpp {

// Note: Google's original TensorFlow BERT computes "gelu" with the tanh approximation, while
// Hugging Face's "gelu" is the exact erf form; like transformers, we read "gelu" as exact.
enum class Activation {
  Gelu /* "gelu", "gelu_python": exact erf */,
  GeluTanh /* "gelu_new", "gelu_pytorch_tanh", "gelu_fast" */,
  Relu /* "relu" */
};
const char* activation_name(Activation activation);  // "gelu", "gelu_new", "relu"

// What the layers' products multiply in. Sums are float32 either way.
enum class Precision {
  Float32,   // exact to transformers' float32 outputs (parity tests: <= 1e-4)
  BFloat16,  // weights (and, with AVX512_BF16, inputs) rounded to bfloat16, ~1e-2 off float32:
             // twice float32's rate where the CPU has AVX512_BF16 (cpu_info().precisions),
             // elsewhere half the weight memory, widened to float32 in the kernel
  Int8,      // weights int8 per output channel (at load), each product's input int8 per row (at
             // run time), exact int32 sums scaled back to float32: a quarter of the weight
             // memory, integer-unit speed; accuracy measured by quantize_check, not promised
};
// With BFloat16 and Int8 on AVX512_BF16, attention's two per-head products (Q K^T, P V) run in
// bfloat16 too; softmax, LayerNorm and everything else stay float32.
const char* precision_name(Precision precision);  // "float32", "bfloat16", "int8"
// "float32"/"fp32"/"bfloat16"/"bf16"/"int8"; throws std::invalid_argument naming the choices.
Precision parse_precision(const std::string& name);

}  // namespace bertcpp
