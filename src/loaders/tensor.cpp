#include <bertcpp/detail/loaders/tensor.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace bertcpp {

std::string Tensor::shape_string() const {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

void release_pages(const Tensor& tensor) {
  if (!tensor.mapped || tensor.data == nullptr) return;
  // Only the pages wholly inside the tensor: its neighbours in the file share the edge pages.
  static const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(tensor.data);
  const uintptr_t end = begin + static_cast<uintptr_t>(tensor.numel()) * sizeof(float);
  const uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
  // Safe on a private read-only file mapping: nothing was written, so nothing is lost.
  if (first < last) madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

void own_data(Tensor& tensor) {
  if (!tensor.mapped || tensor.data == nullptr) return;
  const auto n = static_cast<size_t>(tensor.numel());
  std::shared_ptr<float[]> copy(new float[n]);
  std::memcpy(copy.get(), tensor.data, n * sizeof(float));
  release_pages(tensor);
  tensor.data = copy.get();
  tensor.owner = std::move(copy);
  tensor.mapped = false;
}

void require_finite(const std::string& name, const Tensor& tensor) {
  if (tensor.data == nullptr) return;
  const int64_t n = tensor.numel();
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(tensor.data[i]))
      throw std::runtime_error("tensor " + name + " in " + tensor.source + " holds " +
                               (std::isnan(tensor.data[i]) ? "NaN" : "an infinity") + " (element " +
                               std::to_string(i) + " of " + std::to_string(n) +
                               "): the checkpoint is damaged or was saved from a diverged run");
  }
}

}  // namespace bertcpp
