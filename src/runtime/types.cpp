#include <bertcpp/types.h>

#include <stdexcept>

namespace bertcpp {

const char* activation_name(Activation activation) {
  switch (activation) {
    case Activation::Gelu: return "gelu";
    case Activation::GeluTanh: return "gelu_new";
    case Activation::Relu: return "relu";
  }
  return "gelu";
}

const char* precision_name(Precision precision) {
  switch (precision) {
    case Precision::Float32: return "float32";
    case Precision::BFloat16: return "bfloat16";
    case Precision::Int8: return "int8";
  }
  return "float32";
}

Precision parse_precision(const std::string& name) {
  if (name == "float32" || name == "fp32") return Precision::Float32;
  if (name == "bfloat16" || name == "bf16") return Precision::BFloat16;
  if (name == "int8") return Precision::Int8;
  throw std::invalid_argument("precision '" + name + "' is not one of float32, bfloat16, int8");
}

}  // namespace bertcpp
