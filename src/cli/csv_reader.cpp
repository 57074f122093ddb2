#include "cli/csv_reader.h"

#include <stdexcept>

namespace bertcpp::cli {

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  int c = in_.get();
  while (c == '\n' || c == '\r') c = in_.get();  // blank lines
  if (c == EOF) return false;
  std::string field;
  bool quoted = false, after_quote = false;
  for (;; c = in_.get()) {
    if (quoted) {
      if (c == EOF)
        throw std::runtime_error(source_ + ": record " + std::to_string(records_ + 1) +
                                 ": quoted field not closed before the end of the file");
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
    if (c == EOF || c == '\n') break;
    if (c == '\r') {
      if (in_.peek() == '\n') in_.get();
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
  ++records_;
  return true;
}

}  // namespace bertcpp::cli
