#include "cli/csv_reader.h"

#include <stdexcept>

namespace bertcpp::cli {

void CsvReader::count_line_end(int c) {
  if (c == '\n' || (c == '\r' && in_.peek() != '\n')) ++lines_;
}

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  int c = in_.get();
  while (c == '\n' || c == '\r') {  // blank lines
    count_line_end(c);
    c = in_.get();
  }
  if (c == EOF) return false;
  record_line_ = lines_ + 1;
  std::string field;
  bool quoted = false, after_quote = false;
  for (;; c = in_.get()) {
    if (quoted) {
      if (c == EOF)
        throw std::runtime_error(source_ + ": line " + std::to_string(record_line_) +
                                 ": quoted field not closed before the end of the file");
      count_line_end(c);
      if (c == '"') {
        if (in_.peek() == '"') {
          field += '"';
          in_.get();
        } else {
          quoted = false;
          after_quote = true;
        }
      } else {
        field += static_cast<char>(c);
      }
      continue;
    }
    if (c == EOF || c == '\n') {
      count_line_end(c);
      break;
    }
    if (c == '\r') {
      if (in_.peek() == '\n') in_.get();
      ++lines_;
      break;
    }
    if (c == delimiter_) {
      fields.push_back(std::move(field));
      field.clear();
      after_quote = false;
    } else if (c == '"' && field.empty() && !after_quote) {
      quoted = true;
    } else {
      field += static_cast<char>(c);  // lenient: a stray quote inside a bare field is kept
    }
  }
  fields.push_back(std::move(field));
  return true;
}

}  // namespace bertcpp::cli
