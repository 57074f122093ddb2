// Dynamic batching: sequences sorted by length, cut into batches under two limits, so a batch
// holds sequences of similar length and no batch's work explodes on a few long inputs.
#pragma once

#include <cstddef>
#include <vector>

namespace bertcpp::detail {

struct BatchPlan {
  std::vector<std::vector<size_t>> batches;  // input indices, shortest first
};

// At most max_sequences per batch and at most max_tokens tokens (a longer single sequence
// still gets a batch of its own).
BatchPlan plan_batches(const std::vector<size_t>& lengths, size_t max_sequences, size_t max_tokens);

}  // namespace bertcpp::detail
