#include <bertcpp/detail/tokenizer/truncation.h>

#include <algorithm>

namespace bertcpp {

std::pair<size_t, size_t> truncated_pair_lengths(size_t a, size_t b, size_t budget) {
  if (a + b <= budget) return {a, b};
  const bool a_is_shorter = a <= b;
  const size_t shorter = a_is_shorter ? a : b;
  const size_t keep_shorter = std::min(shorter, budget / 2);
  const size_t keep_longer = budget - keep_shorter;
  return a_is_shorter ? std::make_pair(keep_shorter, keep_longer) : std::make_pair(keep_longer, keep_shorter);
}

}  // namespace bertcpp
