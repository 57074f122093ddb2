// Hugging Face's longest_first truncation (utils/truncation.rs), as lengths to keep.
#pragma once

#include <cstddef>
#include <utility>

namespace bertcpp {

// Tokens to keep of a single sequence of length n with room for `budget` tokens.
inline size_t truncated_length(size_t n, size_t budget) { return n < budget ? n : budget; }

// Tokens to keep of A and B (lengths a, b) with room for `budget` tokens. If they do not fit, the
// shorter one (A on a tie) keeps min(its length, budget/2) and the longer one the rest. This is
// not the "drop one token from the longer" loop of Python transformers: a=4, b=5, budget=5 gives
// A=2, B=3 here and A=3, B=2 with the loop.
std::pair<size_t, size_t> truncated_pair_lengths(size_t a, size_t b, size_t budget);

}  // namespace bertcpp
