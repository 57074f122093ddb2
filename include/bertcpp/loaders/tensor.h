// Weights as read from a checkpoint: named float32 tensors, whatever the file format.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace bertcpp {

struct Tensor {
  std::vector<int64_t> shape;
  // float32, row-major. Points into a memory-mapped file (F32 safetensors) or into a buffer
  // converted at load; `owner` keeps either alive.
  const float* data = nullptr;
  std::shared_ptr<const void> owner;
  std::string source;  // the file it came from, for error messages

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  std::string shape_string() const;  // "[768, 3072]"
};

// Tensor names as they appear in the file (Hugging Face or TensorFlow naming).
using TensorMap = std::map<std::string, Tensor>;

}  // namespace bertcpp
