// A float32 .npy file written row by row: the header's shape is patched when the row count
// is known, so an output of any size streams with constant memory.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace bertcpp::cli {

class NpyWriter {
 public:
  // `out`: the opened file (OutputFile::open), `path` its name for errors; `row_shape`: the
  // shape of one row ({dim} gives [n, dim]; {T, H} gives [n, T, H]). Throws
  // std::runtime_error naming the file when it cannot be written.
  NpyWriter(std::ofstream out, const std::string& path, std::vector<int64_t> row_shape);
  // `rows` rows of product(row_shape) floats each.
  void append(const float* data, int64_t rows);
  // Writes the final row count into the header and closes the file.
  void finish();
  int64_t rows() const { return rows_; }

 private:
  std::string header(int64_t rows) const;

  std::string path_;
  std::vector<int64_t> row_shape_;
  int64_t row_floats_ = 1;
  int64_t rows_ = 0;
  std::ofstream out_;
};

}  // namespace bertcpp::cli
