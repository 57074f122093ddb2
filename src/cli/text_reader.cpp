#include "cli/text_reader.h"

#include <bertcpp/tokenizer/pair_marker.h>
#include <bertcpp/detail/tokenizer/utf8.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace bertcpp::cli {

namespace {

// Bytes that are not UTF-8 would be dropped without a word (as Google's BERT reads text):
// a file in another encoding is refused at its first such line instead. JSON Lines are
// checked by the JSON parser.
void require_utf8(const std::string& text, const std::string& where) {
  const size_t bad = utf8::first_invalid_byte(text);
  if (bad == std::string::npos) return;
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(text[bad])));
  throw std::runtime_error(where + ": not UTF-8 (byte " + hex + " at byte " + std::to_string(bad + 1) +
                           "); convert the file to UTF-8, e.g. with iconv");
}

bool ends_with(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

}  // namespace

TextReader::TextReader(const std::string& path, const std::string& column, const std::string& field)
    : path_(path), field_(field) {
  const bool csv = ends_with(path, ".csv"), tsv = ends_with(path, ".tsv");
  if (csv || tsv) {
    format_ = Format::Csv;
  } else if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson")) {
    format_ = Format::JsonLines;
  } else {
    const std::string name = path.substr(path.find_last_of('/') + 1);
    const size_t dot = name.rfind('.');
    if (dot != std::string::npos && dot > 0 && !ends_with(name, ".txt") && !ends_with(name, ".text"))
      throw std::invalid_argument("--input " + path + ": cannot read '" + name.substr(dot) +
                                  "' files; use .txt (a text a line), .csv, .tsv or .jsonl (uncompressed)");
    format_ = Format::Lines;
  }
  in_.open(path, std::ios::binary);
  if (!in_) throw std::runtime_error(path + ": cannot open the input file");
  // A UTF-8 byte order mark (Excel writes one) is not part of the first text or header.
  char bom[3] = {};
  in_.read(bom, 3);
  if (!(in_.gcount() == 3 && bom[0] == '\xEF' && bom[1] == '\xBB' && bom[2] == '\xBF')) {
    in_.clear();
    in_.seekg(0);
  }
  if (format_ != Format::Csv) return;
  csv_ = std::make_unique<CsvReader>(in_, path, tsv ? '\t' : ',');
  std::vector<std::string> header;
  if (!csv_->next(header)) throw std::runtime_error(path + ": empty CSV file, expected a header row");
  auto it = std::find(header.begin(), header.end(), column);
  if (it == header.end()) {
    std::string names;
    for (const auto& h : header) names += (names.empty() ? "" : ", ") + h;
    throw std::runtime_error(path + ": no column '" + column + "' in the header (columns: " + names +
                             "); choose one with --column");
  }
  column_index_ = static_cast<size_t>(it - header.begin());
}

size_t TextReader::position() const { return format_ == Format::Csv ? csv_->record_line() : line_; }

bool TextReader::next_text(std::string& text) {
  if (format_ == Format::Csv) {
    std::vector<std::string> fields;
    if (!csv_->next(fields)) return false;
    if (column_index_ >= fields.size())
      throw std::runtime_error(path_ + ": line " + std::to_string(csv_->record_line()) + ": the record has " +
                               std::to_string(fields.size()) + " fields, the text column is number " +
                               std::to_string(column_index_ + 1));
    text = std::move(fields[column_index_]);
    require_utf8(text, path_ + ": line " + std::to_string(csv_->record_line()));
    return true;
  }
  std::string line;
  do {
    if (!std::getline(in_, line)) return false;
    ++line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (format_ == Format::Lines) {
      require_utf8(line, path_ + ": line " + std::to_string(line_));
      text = std::move(line);
      return true;
    }
  } while (line.find_first_not_of(" \t") == std::string::npos);  // blank JSON Lines lines carry no record
  nlohmann::json record;
  try {
    record = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path_ + ": line " + std::to_string(line_) + ": not JSON: " + e.what());
  }
  if (record.is_string()) {
    text = record.get<std::string>();
  } else if (record.is_object() && record.contains(field_) && record[field_].is_string()) {
    text = record[field_].get<std::string>();
  } else {
    throw std::runtime_error(path_ + ": line " + std::to_string(line_) + ": expected a string field '" + field_ +
                             "' (choose one with --field)");
  }
  return true;
}

bool TextReader::next_chunk(size_t max_count, std::vector<TextInput>& out, std::vector<size_t>& where) {
  out.clear();
  where.clear();
  std::string text;
  while (out.size() < max_count && next_text(text)) {
    out.push_back(split_pair(std::move(text)));
    where.push_back(position());
  }
  return !out.empty();
}

}  // namespace bertcpp::cli
