// An output file written under a temporary name beside its target and renamed over it only
// when complete: a failed or interrupted run never leaves a file that looks finished, and an
// existing file (an input given as the output included) is never truncated.
#pragma once

#include <fstream>
#include <string>

namespace bertcpp::cli {

class OutputFile {
 public:
  // std::invalid_argument when `path` names the same file as `input` (same path, a symlink
  // or a hard link to it). Nothing is created until temp_path() is opened.
  OutputFile(std::string path, const std::string& input);
  ~OutputFile();  // removes the temporary file unless commit() ran
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Where to write: "<path>.partial-<pid>".
  const std::string& temp_path() const { return temp_; }
  // The temporary file opened for writing (binary, truncated); std::runtime_error naming the
  // output asked for and the system's reason when it cannot be.
  std::ofstream open() const;
  // Renames the finished temporary file to the target; std::runtime_error naming both if it fails.
  void commit();

 private:
  std::string path_, temp_;
  bool committed_ = false;
};

}  // namespace bertcpp::cli
