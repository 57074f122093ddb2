#include "encoder/batching.h"

#include <algorithm>
#include <numeric>

namespace bertcpp::detail {

BatchPlan plan_batches(const std::vector<size_t>& lengths, size_t max_sequences, size_t max_tokens) {
  std::vector<size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Stable: equal lengths keep input order, so a plan is deterministic.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lengths[a] < lengths[b]; });
  BatchPlan plan;
  std::vector<size_t> current;
  size_t tokens = 0;
  for (size_t index : order) {
    if (!current.empty() && (current.size() >= max_sequences || tokens + lengths[index] > max_tokens)) {
      plan.batches.push_back(std::move(current));
      current.clear();
      tokens = 0;
    }
    current.push_back(index);
    tokens += lengths[index];
  }
  if (!current.empty()) plan.batches.push_back(std::move(current));
  return plan;
}

}  // namespace bertcpp::detail
