#include "baseline_runner.h"

#include <cstdio>
#include <memory>
#include <sstream>

namespace bertcpp::bench {

namespace {

// "RESULT kind=bert shape=8x128 threads=1 seconds=0.123" -> key/value pairs.
std::map<std::string, std::string> fields_of(const std::string& line) {
  std::map<std::string, std::string> f;
  std::istringstream in(line);
  std::string word;
  while (in >> word) {
    const size_t eq = word.find('=');
    if (eq != std::string::npos) f[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return f;
}

}  // namespace

BaselineResults run_baseline(const std::string& command) {
  BaselineResults r;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>&1").c_str(), "r"), pclose);
  if (!pipe) {
    r.message = "could not run " + command;
    return r;
  }
  char buffer[4096];
  std::string last_line;
  while (std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) {
    std::string line(buffer);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    if (line.rfind("RESULT ", 0) != 0) {
      if (!line.empty()) last_line = line;
      continue;
    }
    auto f = fields_of(line);
    if (f["kind"] == "version") {
      r.available = true;
      r.version = f["version"];
    } else if (f["kind"] == "skip") {
      r.message = f["reason"];
    } else if (f["kind"] == "gemm") {
      r.values["gemm/" + f["threads"]] = std::stod(f["gflops"]);
    } else if (f["kind"] == "bert" || f["kind"] == "bert_int8") {
      r.values[f["kind"] + "/" + f["shape"] + "/" + f["threads"]] = std::stod(f["seconds"]);
    }
  }
  if (!r.available && r.message.empty()) r.message = last_line.empty() ? "no output from " + command : last_line;
  return r;
}

}  // namespace bertcpp::bench
