// Ids -> the model's input: sequences packed end to end, no padding.
//
// Every per-token operation of the encoder runs on the packed [num_tokens, H] matrix;
// attention runs per sequence over that sequence's own tokens. So a batch costs what its
// real tokens cost, and a batched result equals the one-by-one result.
#pragma once

#include <bertcpp/tokenizer/encoding.h>

#include <cstdint>
#include <vector>

namespace bertcpp {

struct TokenBatch {
  std::vector<int32_t> ids;        // [num_tokens]
  std::vector<int32_t> type_ids;   // [num_tokens]
  std::vector<int32_t> positions;  // [num_tokens]: position id of each token
  std::vector<int64_t> offsets;    // [num_sequences + 1]: sequence s is tokens [offsets[s], offsets[s+1])

  size_t num_sequences() const { return offsets.empty() ? 0 : offsets.size() - 1; }
  size_t num_tokens() const { return ids.size(); }
  int64_t length(size_t s) const { return offsets[s + 1] - offsets[s]; }

  // Token t of a sequence gets position id position_offset + t (0 for BERT; the model
  // family's offset, model/family.h).
  static TokenBatch from_encodings(const std::vector<Encoding>& encodings, int32_t position_offset = 0);
  // A padded [batch, seq_len] batch as Hugging Face takes it. Tokens whose mask is 0 are
  // left out; kept tokens keep their position id (their column, plus position_offset), so any
  // mask pattern gives Hugging Face's values on the kept tokens. type_ids and mask may be null (0s / 1s).
  static TokenBatch from_padded(const int32_t* ids, const int32_t* attention_mask,
                                const int32_t* type_ids, int64_t batch, int64_t seq_len,
                                int32_t position_offset = 0);
};

}  // namespace bertcpp
