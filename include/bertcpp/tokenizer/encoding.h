// The tokenizer's output for one text or one pair: what the model reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bertcpp {

struct Encoding {
  std::vector<int32_t> ids;             // [CLS] A [SEP] (B [SEP])
  std::vector<int32_t> type_ids;        // 0 for [CLS], A and the first [SEP]; 1 for B and the last [SEP]
  std::vector<int32_t> attention_mask;  // all 1: an Encoding is never padded
  std::vector<std::string> tokens;      // vocab entries of ids
  // Half-open [start, end) ranges in Unicode code points of the original text
  // (the units of Hugging Face's encode_char_offsets); [0,0] for [CLS] and [SEP].
  // For a pair, B's offsets index text B.
  std::vector<std::pair<size_t, size_t>> offsets;

  size_t size() const { return ids.size(); }
};

}  // namespace bertcpp
