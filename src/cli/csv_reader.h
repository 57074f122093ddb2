// RFC 4180 records from a stream, one at a time: quoted fields may hold commas, doubled
// quotes and newlines (tweets do), so a record is not a line.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace bertcpp::cli {

class CsvReader {
 public:
  CsvReader(std::istream& in, std::string source) : in_(in), source_(std::move(source)) {}
  // Reads the next record into `fields`; false at end of input. Throws std::runtime_error
  // naming the file and the record for an unterminated quoted field.
  bool next(std::vector<std::string>& fields);
  size_t records_read() const { return records_; }

 private:
  std::istream& in_;
  std::string source_;
  size_t records_ = 0;
};

}  // namespace bertcpp::cli
