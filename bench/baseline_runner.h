// Same-run baselines: runs a baseline script (bench/baseline_torch.py with Debian's python3,
// bench/baseline_ort.js with node) in its own process and reads back its RESULT lines.
// A missing runtime gives no results and a reason, not an error.
#pragma once

#include <map>
#include <string>

namespace bertcpp::bench {

struct BaselineResults {
  bool available = false;
  std::string version;  // torch.__version__ / onnxruntime's version
  std::string message;  // why it is unavailable
  // "gemm/<threads>" -> GFLOP/s; "bert/<batch>x<seq>/<threads>" -> seconds per batch.
  std::map<std::string, double> values;

  const double* find(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? nullptr : &it->second;
  }
};

// `command` is run through the shell with stderr folded into stdout.
BaselineResults run_baseline(const std::string& command);

}  // namespace bertcpp::bench
