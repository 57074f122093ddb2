// RFC 4180 records from a stream, one at a time: quoted fields may hold commas, doubled
// quotes and newlines (tweets do), so a record is not a line.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace bertcpp::cli {

class CsvReader {
 public:
  // `delimiter`: ',' for CSV, '\t' for TSV.
  CsvReader(std::istream& in, std::string source, char delimiter = ',')
      : in_(in), source_(std::move(source)), delimiter_(delimiter) {}
  // Reads the next record into `fields`; false at end of input. Blank lines are no records
  // (as pandas reads them), so rows stay aligned with a DataFrame of the same file. Throws
  // std::runtime_error naming the file and the line for an unterminated quoted field.
  bool next(std::vector<std::string>& fields);
  // The line of the file (from 1) where the last record read starts: what an editor shows,
  // unlike a record count once a quoted field holds a newline.
  size_t record_line() const { return record_line_; }

 private:
  // After reading c: counts it if it ends a line (\n, \r\n as one, a lone \r).
  void count_line_end(int c);

  std::istream& in_;
  std::string source_;
  char delimiter_;
  size_t lines_ = 0;  // line ends read so far
  size_t record_line_ = 0;
};

}  // namespace bertcpp::cli
