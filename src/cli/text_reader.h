// Texts from a .txt (one a line), .csv/.tsv (a named column) or .jsonl (a named field) file,
// read in chunks so that the whole file is never in memory.
#pragma once

#include "cli/csv_reader.h"

#include <bertcpp/tokenizer/tokenizer.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace bertcpp::cli {

class TextReader {
 public:
  // The format follows the extension: .txt/.text or none (a text a line), .csv, .tsv,
  // .jsonl/.ndjson. Any other extension (.json, .gz, .parquet, ...) is std::invalid_argument
  // rather than being read as lines. Throws std::runtime_error naming the file when it
  // cannot be opened, or when the CSV header has no `column`. A UTF-8 BOM is skipped.
  TextReader(const std::string& path, const std::string& column, const std::string& field);
  // Appends up to `max_count` texts to `out` (cleared first), and to `where` the line of the
  // file each came from (where its CSV record starts); false when none was left.
  // "first ||| second" becomes a sentence pair, as bert-as-service reads it.
  bool next_chunk(size_t max_count, std::vector<TextInput>& out, std::vector<size_t>& where);

 private:
  enum class Format { Lines, Csv, JsonLines };
  size_t position() const;
  bool next_text(std::string& text);

  std::string path_, field_;
  Format format_;
  std::ifstream in_;
  std::unique_ptr<CsvReader> csv_;
  size_t column_index_ = 0;
  size_t line_ = 0;
};

}  // namespace bertcpp::cli
