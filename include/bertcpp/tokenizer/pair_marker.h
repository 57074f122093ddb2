// bert-as-service's sentence-pair marker: "first ||| second" is encoded as the pair
// (first, second), as its extract_features.read_examples reads it.
#pragma once

#include <bertcpp/tokenizer/tokenizer.h>

#include <string>

namespace bertcpp {

// The pair when the text contains " ||| " (split at the last one, like the greedy regex
// ^(.*) \|\|\| (.*)$), else the text alone.
TextInput split_pair(std::string text);
// The text as split_pair reads it back: "first ||| second" for a pair.
std::string join_pair(const TextInput& input);

}  // namespace bertcpp
