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
  bool mapped = false;  // `data` is in a read-only file mapping (see release_pages)
  std::string source;  // the file it came from, for error messages

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  std::string shape_string() const;  // "[768, 3072]"
};

// Hands a mapped tensor's whole pages back to the OS once its data has been copied elsewhere:
// they no longer count as resident and are read from the file again if touched. Does nothing
// for a tensor in a buffer (freeing that is its owner's job).
void release_pages(const Tensor& tensor);

// Gives a mapped tensor a buffer of its own (and hands the mapped pages back), so that
// nothing reads the file afterwards: truncating or rewriting it under a live model can then
// neither crash the process (SIGBUS) nor change its weights. Nothing to do for a buffer.
void own_data(Tensor& tensor);

// std::runtime_error naming the tensor, its file and the first bad element if any value is
// NaN or infinite: such weights give NaN vectors for every input.
void require_finite(const std::string& name, const Tensor& tensor);

// Tensor names as they appear in the file (Hugging Face or TensorFlow naming).
using TensorMap = std::map<std::string, Tensor>;

}  // namespace bertcpp
