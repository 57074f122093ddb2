#include <bertcpp/loaders/tensor.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

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

}  // namespace bertcpp
