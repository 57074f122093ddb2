// Same-run baselines: runs a baseline script (bench/baseline_torch.py with Debian's python3,
// bench/baseline_ort.js with node) in its own process and reads back its RESULT lines.
// A missing runtime gives no results and a reason, not an error.
//
// BaselineServer keeps one baseline (baseline_ort.js --serve) running and times one of its
// runs per request, so the benchmark can alternate its own runs with the baseline's.
#pragma once

#include <sys/types.h>

#include <cstdio>
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

// A baseline process answering "run KIND BxS THREADS" with "TIME seconds" (see baseline_ort.js).
class BaselineServer {
 public:
  BaselineServer() = default;
  // Starts `command` through the shell, its stdin and stdout piped here, and reads its version
  // line; available() is false, with message() saying why, when it could not start.
  explicit BaselineServer(const std::string& command);
  ~BaselineServer();
  BaselineServer(const BaselineServer&) = delete;
  BaselineServer& operator=(const BaselineServer&) = delete;

  bool available() const { return to_ != nullptr && !version_.empty(); }
  const std::string& version() const { return version_; }
  const std::string& message() const { return message_; }

  // Seconds of one run of `kind` ("bert", "bert_int8") on `shape` ("8x128"); throws
  // std::runtime_error with the baseline's reason when it cannot run it.
  double run_once(const std::string& kind, const std::string& shape, int threads);

 private:
  std::string read_line();
  pid_t pid_ = -1;
  FILE* to_ = nullptr;    // its stdin
  FILE* from_ = nullptr;  // its stdout
  std::string version_, message_;
};

}  // namespace bertcpp::bench
