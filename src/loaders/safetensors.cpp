// safetensors: header validation, the memory-mapped SafetensorsFile, and the loaders built on it.
#include <bertcpp/detail/loaders/checkpoint.h>
#include <bertcpp/detail/loaders/safetensors.h>

#include "kernels/float_convert.h"
#include "loaders/mapped_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

namespace bertcpp {
namespace {

using nlohmann::json;

// The reference implementation refuses headers above 100 MB; a larger length is corruption.
constexpr uint64_t kMaxHeaderBytes = 100u * 1000u * 1000u;

size_t dtype_size(const std::string& dtype) {
  static const std::map<std::string, size_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2},
      {"F16", 2},  {"BF16", 2}, {"I32", 4}, {"U32", 4},     {"F32", 4},     {"F64", 8}, {"I64", 8},
      {"U64", 8}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

std::string in_quotes(const std::string& name) { return "\"" + name + "\""; }

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw std::runtime_error(path + ": " + why);
}

[[noreturn]] void fail_tensor(const std::string& path, const std::string& name, const std::string& why) {
  throw std::runtime_error(path + ": tensor " + in_quotes(name) + ": " + why);
}

uint64_t read_u64_le(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

SafetensorsEntry parse_entry(const std::string& path, const std::string& name, const json& spec,
                             size_t data_size) {
  if (!spec.is_object()) fail_tensor(path, name, "header entry is not an object");
  SafetensorsEntry entry;

  auto dtype = spec.find("dtype");
  if (dtype == spec.end() || !dtype->is_string()) fail_tensor(path, name, "missing string field \"dtype\"");
  entry.dtype = dtype->get<std::string>();
  const size_t item_size = dtype_size(entry.dtype);
  if (item_size == 0) fail_tensor(path, name, "unknown dtype " + in_quotes(entry.dtype));

  auto shape = spec.find("shape");
  if (shape == spec.end() || !shape->is_array()) fail_tensor(path, name, "missing array field \"shape\"");
  // numel * item_size must not overflow (even with a zero dimension: numel() multiplies in order).
  uint64_t bytes = item_size;
  for (const json& dim : *shape) {
    if (!dim.is_number_integer() || dim.get<int64_t>() < 0)
      fail_tensor(path, name, "shape " + shape->dump() + " has a dimension that is not a non-negative integer");
    const auto d = static_cast<uint64_t>(dim.get<int64_t>());
    if (d != 0 && bytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / d)
      fail_tensor(path, name, "shape " + shape->dump() + " overflows the addressable size");
    bytes *= d;
    entry.shape.push_back(static_cast<int64_t>(d));
  }

  auto offsets = spec.find("data_offsets");
  if (offsets == spec.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_integer() ||
      !(*offsets)[1].is_number_integer() || (*offsets)[0].get<int64_t>() < 0 || (*offsets)[1].get<int64_t>() < 0)
    fail_tensor(path, name, "\"data_offsets\" must be two non-negative integers [begin, end]");
  const auto begin = (*offsets)[0].get<uint64_t>();
  const auto end = (*offsets)[1].get<uint64_t>();
  if (begin > end)
    fail_tensor(path, name, "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] end before begin");
  if (end > data_size)
    fail_tensor(path, name, "data_offsets end " + std::to_string(end) + " is past the data area (" +
                                std::to_string(data_size) + " bytes; file truncated?)");
  if (end - begin != bytes)
    fail_tensor(path, name, "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] hold " +
                                std::to_string(end - begin) + " bytes, expected " + std::to_string(bytes) + " for " +
                                entry.dtype + " " + shape->dump());
  entry.begin = static_cast<size_t>(begin);
  entry.end = static_cast<size_t>(end);
  return entry;
}

}  // namespace

int64_t SafetensorsEntry::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

bool SafetensorsFile::is_float_dtype(const std::string& dtype) {
  return dtype == "F32" || dtype == "F16" || dtype == "BF16" || dtype == "F64";
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path), file_(detail::MappedFile::open(path)) {
  const size_t file_size = file_->size();
  if (file_size < 8)
    fail(path, "too short for a safetensors file (" + std::to_string(file_size) + " bytes, the header length alone is 8)");
  const uint64_t header_size = read_u64_le(file_->data());
  if (header_size > kMaxHeaderBytes)
    fail(path, "header length " + std::to_string(header_size) + " exceeds the 100 MB limit (not safetensors, or corrupt)");
  if (header_size > file_size - 8)
    fail(path, "header length " + std::to_string(header_size) + " is past the end of the file (" +
                   std::to_string(file_size) + " bytes; truncated?)");
  data_area_ = file_->data() + 8 + header_size;
  data_size_ = file_size - 8 - static_cast<size_t>(header_size);

  // nlohmann keeps the last of duplicate keys silently; watch the top-level keys go by instead.
  std::set<std::string> seen;
  std::string duplicate;
  const auto watch_keys = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!seen.insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  json header;
  const char* text = reinterpret_cast<const char*>(file_->data() + 8);
  try {
    header = json::parse(text, text + header_size, watch_keys);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
    fail(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) fail(path, "header is not a JSON object");
  if (!duplicate.empty()) fail_tensor(path, duplicate, "appears twice in the header");

  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) fail(path, "\"__metadata__\" is not an object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) fail(path, "\"__metadata__\" value " + in_quotes(m.key()) + " is not a string");
        metadata_[m.key()] = m->get<std::string>();
      }
      continue;
    }
    entries_.emplace(it.key(), parse_entry(path, it.key(), *it, data_size_));
  }

  // Two tensors sharing bytes would alias silently: sort the ranges and check neighbours.
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> by_offset;
  for (const auto& [name, entry] : entries_)
    if (entry.end > entry.begin) by_offset.emplace_back(&name, &entry);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const auto& [prev_name, prev] = by_offset[i - 1];
    const auto& [name, entry] = by_offset[i];
    if (entry->begin < prev->end)
      fail_tensor(path, *name, "data_offsets [" + std::to_string(entry->begin) + ", " + std::to_string(entry->end) +
                                   "] overlap those of " + in_quotes(*prev_name) + " [" + std::to_string(prev->begin) +
                                   ", " + std::to_string(prev->end) + "]");
  }
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) out.push_back(name);
  return out;
}

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) fail_tensor(path_, name, "not in this file");
  return it->second;
}

std::string_view SafetensorsFile::raw_bytes(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  return {reinterpret_cast<const char*>(data_area_ + e.begin), e.end - e.begin};
}

Tensor SafetensorsFile::to_float(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  Tensor tensor;
  tensor.shape = e.shape;
  tensor.source = path_;
  const unsigned char* bytes = data_area_ + e.begin;
  const auto n = static_cast<size_t>(e.numel());
  if (e.dtype == "F32" && reinterpret_cast<uintptr_t>(bytes) % alignof(float) == 0) {
    tensor.data = reinterpret_cast<const float*>(bytes);  // in place: the map outlives the tensor
    tensor.owner = file_;
    tensor.mapped = true;
    return tensor;
  }
  auto buffer = std::make_shared<std::vector<float>>(n);
  float* out = buffer->data();
  if (n == 0) {
    // nothing to convert; the (empty) buffer's data() may be null, which memcpy must not see
  } else if (e.dtype == "F32") {
    std::memcpy(out, bytes, n * sizeof(float));  // header length left the data unaligned
  } else if (e.dtype == "F16") {
    detail::halfs_to_floats(bytes, n, out);
  } else if (e.dtype == "BF16") {
    detail::bfloat16s_to_floats(bytes, n, out);
  } else if (e.dtype == "F64") {
    for (size_t i = 0; i < n; ++i) {
      double v;
      std::memcpy(&v, bytes + 8 * i, 8);
      out[i] = static_cast<float>(v);
    }
  } else {
    fail_tensor(path_, name, "dtype " + e.dtype + " cannot be read as float (expected F32, F16, BF16 or F64)");
  }
  tensor.data = out;
  tensor.owner = std::move(buffer);
  return tensor;
}

std::vector<int64_t> SafetensorsFile::to_int64(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  const auto n = static_cast<size_t>(e.numel());
  const unsigned char* bytes = data_area_ + e.begin;
  std::vector<int64_t> out(n);
  const auto copy = [&](auto sample) {
    using T = decltype(sample);
    for (size_t i = 0; i < n; ++i) {
      T v;
      std::memcpy(&v, bytes + sizeof(T) * i, sizeof(T));
      out[i] = static_cast<int64_t>(v);
    }
  };
  if (e.dtype == "I64") copy(int64_t{});
  else if (e.dtype == "I32") copy(int32_t{});
  else if (e.dtype == "U32") copy(uint32_t{});
  else if (e.dtype == "I16") copy(int16_t{});
  else if (e.dtype == "U16") copy(uint16_t{});
  else if (e.dtype == "I8") copy(int8_t{});
  else if (e.dtype == "U8" || e.dtype == "BOOL") copy(uint8_t{});
  else fail_tensor(path_, name, "dtype " + e.dtype + " is not an integer type");
  return out;
}

TensorMap load_safetensors(const std::string& path) {
  SafetensorsFile file(path);
  TensorMap tensors;
  for (const std::string& name : file.names()) {
    // Integer tensors in checkpoints are buffers (e.g. embeddings.position_ids), not weights.
    if (!SafetensorsFile::is_float_dtype(file.dtype(name))) continue;
    tensors.emplace(name, file.to_float(name));
  }
  return tensors;
}

TensorMap load_safetensors_sharded(const std::string& index_json_path) {
  namespace fs = std::filesystem;
  std::ifstream in(index_json_path, std::ios::binary);
  if (!in) throw std::runtime_error(index_json_path + ": cannot open shard index");
  json index;
  try {
    index = json::parse(in);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
    throw std::runtime_error(index_json_path + ": not valid JSON: " + e.what());
  }
  auto weight_map = index.is_object() ? index.find("weight_map") : index.end();
  if (!index.is_object() || weight_map == index.end() || !weight_map->is_object())
    throw std::runtime_error(index_json_path + ": missing object field \"weight_map\"");

  // shard file -> tensor names it should hold
  std::map<std::string, std::vector<std::string>> by_shard;
  for (auto it = weight_map->begin(); it != weight_map->end(); ++it) {
    if (!it->is_string())
      throw std::runtime_error(index_json_path + ": weight_map entry " + in_quotes(it.key()) + " is not a file name");
    const std::string shard = it->get<std::string>();
    // Shards live beside the index; anything else would read arbitrary files.
    if (shard.empty() || fs::path(shard).has_parent_path() || shard == "." || shard == "..")
      throw std::runtime_error(index_json_path + ": weight_map entry " + in_quotes(it.key()) + " names shard " +
                               in_quotes(shard) + ", expected a file name in the same directory");
    by_shard[shard].push_back(it.key());
  }
  if (by_shard.empty()) throw std::runtime_error(index_json_path + ": weight_map is empty");

  const fs::path dir = fs::path(index_json_path).parent_path();
  TensorMap tensors;
  for (const auto& [shard, names] : by_shard) {
    SafetensorsFile file((dir / shard).string());
    for (const std::string& name : names) {
      if (!file.contains(name))
        throw std::runtime_error(index_json_path + ": tensor " + in_quotes(name) + " is mapped to " + file.path() +
                                 ", which does not contain it");
      if (!SafetensorsFile::is_float_dtype(file.dtype(name))) continue;
      tensors.emplace(name, file.to_float(name));
    }
  }
  return tensors;
}

}  // namespace bertcpp
