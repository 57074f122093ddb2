// The subset of Python's pickle that torch.save emits for a state dict: an (Ordered)dict of
// name -> tensor, each tensor rebuilt by torch._utils._rebuild_tensor_v2 from a persistent
// storage reference ('storage', torch.FloatStorage, key, location, numel).
// No Python objects are ever constructed: only the globals listed in torch_pickle.cpp are
// accepted, anything else is an error (a pickle can otherwise run arbitrary code).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bertcpp::detail {

struct TorchTensorRecord {
  std::string name;
  std::string storage_type;  // "FloatStorage", "HalfStorage", "BFloat16Storage", "LongStorage", ...
  std::string storage_key;   // the archive holds its bytes at <prefix>/data/<key>
  int64_t storage_numel = 0;
  int64_t storage_offset = 0;  // in elements
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;  // in elements
};

// Throws std::runtime_error starting with `where` (file and entry) on anything else.
std::vector<TorchTensorRecord> read_torch_state_dict_pickle(std::string_view pickle, const std::string& where);

}  // namespace bertcpp::detail
