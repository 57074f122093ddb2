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
  // std::runtime_error naming the file and the record for an unterminated quoted field.
  bool next(std::vector<std::string>& fields);
  size_t records_read() const { return records_; }

 private:
  std::istream& in_;
  std::string source_;
  char delimiter_;
  size_t records_ = 0;
};

}  // namespace bertcpp::cli
