#include "cli/text_reader.h"

#include <bertcpp/tokenizer/pair_marker.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace bertcpp::cli {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

}  // namespace

TextReader::TextReader(const std::string& path, const std::string& column, const std::string& field)
    : path_(path), field_(field), in_(path, std::ios::binary) {
  if (!in_) throw std::runtime_error(path + ": cannot open the input file");
  if (ends_with(path, ".csv")) {
    format_ = Format::Csv;
    csv_ = std::make_unique<CsvReader>(in_, path);
    std::vector<std::string> header;
    if (!csv_->next(header)) throw std::runtime_error(path + ": empty CSV file, expected a header row");
    if (!header.empty() && header[0].rfind("\xEF\xBB\xBF", 0) == 0) header[0].erase(0, 3);  // UTF-8 BOM
    auto it = std::find(header.begin(), header.end(), column);
    if (it == header.end()) {
      std::string names;
      for (const auto& h : header) names += (names.empty() ? "" : ", ") + h;
      throw std::runtime_error(path + ": no column '" + column + "' in the header (columns: " + names +
                               "); choose one with --column");
    }
    column_index_ = static_cast<size_t>(it - header.begin());
  } else if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson")) {
    format_ = Format::JsonLines;
  } else {
    format_ = Format::Lines;
  }
}

bool TextReader::next_text(std::string& text) {
  if (format_ == Format::Csv) {
    std::vector<std::string> fields;
    if (!csv_->next(fields)) return false;
    if (column_index_ >= fields.size())
      throw std::runtime_error(path_ + ": record " + std::to_string(csv_->records_read()) + " has " +
                               std::to_string(fields.size()) + " fields, the text column is number " +
                               std::to_string(column_index_ + 1));
    text = std::move(fields[column_index_]);
    return true;
  }
  std::string line;
  do {
    if (!std::getline(in_, line)) return false;
    ++line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (format_ == Format::Lines) {
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

bool TextReader::next_chunk(size_t max_count, std::vector<TextInput>& out) {
  out.clear();
  std::string text;
  while (out.size() < max_count && next_text(text)) out.push_back(split_pair(std::move(text)));
  return !out.empty();
}

}  // namespace bertcpp::cli
