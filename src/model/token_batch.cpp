#include <bertcpp/detail/model/token_batch.h>

#include <stdexcept>
#include <string>

namespace bertcpp {

TokenBatch TokenBatch::from_encodings(const std::vector<Encoding>& encodings, int32_t position_offset) {
  TokenBatch batch;
  size_t total = 0;
  for (const Encoding& e : encodings) total += e.ids.size();
  batch.ids.reserve(total);
  batch.type_ids.reserve(total);
  batch.positions.reserve(total);
  batch.offsets.reserve(encodings.size() + 1);
  batch.offsets.push_back(0);
  for (size_t s = 0; s < encodings.size(); ++s) {
    const Encoding& e = encodings[s];
    if (!e.type_ids.empty() && e.type_ids.size() != e.ids.size()) {
      throw std::invalid_argument("TokenBatch::from_encodings: encoding " + std::to_string(s) + " has " +
                                  std::to_string(e.ids.size()) + " ids but " + std::to_string(e.type_ids.size()) +
                                  " type ids");
    }
    batch.ids.insert(batch.ids.end(), e.ids.begin(), e.ids.end());
    if (e.type_ids.empty()) {
      batch.type_ids.insert(batch.type_ids.end(), e.ids.size(), 0);
    } else {
      batch.type_ids.insert(batch.type_ids.end(), e.type_ids.begin(), e.type_ids.end());
    }
    for (size_t i = 0; i < e.ids.size(); ++i) batch.positions.push_back(position_offset + static_cast<int32_t>(i));
    batch.offsets.push_back(static_cast<int64_t>(batch.ids.size()));
  }
  return batch;
}

TokenBatch TokenBatch::from_padded(const int32_t* ids, const int32_t* attention_mask, const int32_t* type_ids,
                                   int64_t batch_size, int64_t seq_len, int32_t position_offset) {
  if (ids == nullptr) throw std::invalid_argument("TokenBatch::from_padded: ids is null");
  if (batch_size < 0 || seq_len < 0) {
    throw std::invalid_argument("TokenBatch::from_padded: negative shape [" + std::to_string(batch_size) + ", " +
                                std::to_string(seq_len) + "]");
  }
  TokenBatch batch;
  batch.offsets.reserve(static_cast<size_t>(batch_size) + 1);
  batch.offsets.push_back(0);
  for (int64_t b = 0; b < batch_size; ++b) {
    for (int64_t t = 0; t < seq_len; ++t) {
      const int64_t k = b * seq_len + t;
      if (attention_mask != nullptr && attention_mask[k] == 0) continue;
      batch.ids.push_back(ids[k]);
      batch.type_ids.push_back(type_ids != nullptr ? type_ids[k] : 0);
      batch.positions.push_back(position_offset + static_cast<int32_t>(t));
    }
    batch.offsets.push_back(static_cast<int64_t>(batch.ids.size()));
  }
  return batch;
}

}  // namespace bertcpp
