// The same-run PyTorch baseline: runs bench/baseline_torch.py with Debian's python3 and reads
// back its RESULT lines. Absent torch (or python) gives no results, not an error.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace bertcpp::bench {

struct TorchResults {
  bool available = false;
  std::string version;   // torch.__version__
  std::string message;   // why it is unavailable
  // key "gemm/<threads>" -> GFLOP/s; "bert/<batch>x<seq>/<threads>" -> seconds per batch.
  std::map<std::string, double> values;

  const double* find(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? nullptr : &it->second;
  }
};

TorchResults run_torch_baseline(const std::string& python, const std::string& script, const std::string& shapes,
                                const std::vector<int>& threads, int reps);

}  // namespace bertcpp::bench
