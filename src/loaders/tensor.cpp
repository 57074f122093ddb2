#include <bertcpp/loaders/tensor.h>

namespace bertcpp {

std::string Tensor::shape_string() const {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

}  // namespace bertcpp
