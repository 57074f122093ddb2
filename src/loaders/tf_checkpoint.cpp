// Google's TensorFlow checkpoints (tensor bundles) without TensorFlow.
// prefix.index is a LevelDB-format table: key "" holds a BundleHeaderProto, every other key a
// tensor name whose value is a BundleEntryProto saying where its bytes live in
// prefix.data-NNNNN-of-MMMMM (tensorflow/core/protobuf/tensor_bundle.proto).
#include <bertcpp/detail/loaders/checkpoint.h>

#include "kernels/crc32c.h"
#include "kernels/float_convert.h"
#include "loaders/leveldb_table.h"
#include "loaders/mapped_file.h"
#include "loaders/protobuf_wire.h"

#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

namespace bertcpp {
namespace {

using detail::WireError;
using detail::WireReader;

// tensorflow/core/framework/types.proto
enum TfDataType : uint64_t { kDtFloat = 1, kDtBfloat16 = 14, kDtHalf = 19 };

struct BundleHeader {
  int64_t num_shards = 0;
  uint64_t endianness = 0;  // 0 = little
};

struct BundleEntry {
  uint64_t dtype = 0;
  std::vector<int64_t> shape;
  int64_t shard_id = 0;
  int64_t offset = 0;
  int64_t size = 0;
  uint32_t crc32c = 0;  // masked
  bool has_slices = false;
};

BundleHeader parse_header(std::string_view bytes) {
  BundleHeader header;
  WireReader reader(bytes);
  uint32_t field, wire;
  while (reader.next(field, wire)) {
    if (field == 1 && wire == 0) header.num_shards = static_cast<int32_t>(reader.varint());
    else if (field == 2 && wire == 0) header.endianness = reader.varint();
    else reader.skip(wire);  // version
  }
  return header;
}

std::vector<int64_t> parse_shape(std::string_view bytes) {
  std::vector<int64_t> shape;
  WireReader reader(bytes);
  uint32_t field, wire;
  while (reader.next(field, wire)) {
    if (field == 2 && wire == 2) {  // Dim { int64 size = 1; string name = 2; }
      WireReader dim(reader.bytes());
      int64_t size = 0;
      uint32_t f, w;
      while (dim.next(f, w)) {
        if (f == 1 && w == 0) size = static_cast<int64_t>(dim.varint());
        else dim.skip(w);
      }
      shape.push_back(size);
    } else if (field == 3 && wire == 0) {
      if (reader.varint() != 0) throw WireError("shape has unknown rank");
    } else {
      reader.skip(wire);
    }
  }
  return shape;
}

BundleEntry parse_entry(std::string_view bytes) {
  BundleEntry entry;
  WireReader reader(bytes);
  uint32_t field, wire;
  while (reader.next(field, wire)) {
    if (field == 1 && wire == 0) entry.dtype = reader.varint();
    else if (field == 2 && wire == 2) entry.shape = parse_shape(reader.bytes());
    else if (field == 3 && wire == 0) entry.shard_id = static_cast<int32_t>(reader.varint());
    else if (field == 4 && wire == 0) entry.offset = static_cast<int64_t>(reader.varint());
    else if (field == 5 && wire == 0) entry.size = static_cast<int64_t>(reader.varint());
    else if (field == 6 && wire == 5) entry.crc32c = reader.fixed32();
    else if (field == 7 && wire == 2) { reader.bytes(); entry.has_slices = true; }
    else reader.skip(wire);
  }
  return entry;
}

// Optimizer state and bookkeeping that a saved training run carries beside the weights.
bool is_training_state(const std::string& name) {
  for (const char* marker : {"adam_m", "adam_v", "/Adam", "global_step", "_CHECKPOINTABLE_OBJECT_GRAPH"})
    if (name.find(marker) != std::string::npos) return true;
  return false;
}

size_t float_dtype_size(uint64_t dtype) {
  switch (dtype) {
    case kDtFloat: return 4;
    case kDtHalf:
    case kDtBfloat16: return 2;
    default: return 0;
  }
}

std::string shard_path(const std::string& prefix, int64_t shard, int64_t num_shards) {
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, ".data-%05lld-of-%05lld", static_cast<long long>(shard),
                static_cast<long long>(num_shards));
  return prefix + suffix;
}

}  // namespace

TensorMap load_tf_checkpoint(const std::string& prefix) {
  const std::string index_path = prefix + ".index";
  const auto index_file = detail::MappedFile::open(index_path);
  const auto records = detail::read_leveldb_table(index_file->bytes(), index_path);

  if (records.empty() || !records.front().first.empty())
    throw std::runtime_error(index_path + ": no bundle header (empty key) in the index");
  BundleHeader header;
  try {
    header = parse_header(records.front().second);
  } catch (const WireError& e) {
    throw std::runtime_error(index_path + ": corrupt bundle header: " + e.what());
  }
  if (header.endianness != 0)
    throw std::runtime_error(index_path + ": big-endian checkpoint; only little-endian is supported");
  if (header.num_shards <= 0 || header.num_shards > 100000)
    throw std::runtime_error(index_path + ": bundle header has " + std::to_string(header.num_shards) + " shards");

  std::vector<std::shared_ptr<const detail::MappedFile>> shards(static_cast<size_t>(header.num_shards));
  TensorMap tensors;
  for (size_t r = 1; r < records.size(); ++r) {
    const std::string& name = records[r].first;
    const auto fail = [&](const std::string& why) {
      throw std::runtime_error(index_path + ": tensor \"" + name + "\": " + why);
    };
    BundleEntry entry;
    try {
      entry = parse_entry(records[r].second);
    } catch (const WireError& e) {
      fail(std::string("corrupt entry: ") + e.what());
    }
    if (is_training_state(name)) continue;
    const size_t item_size = float_dtype_size(entry.dtype);
    if (item_size == 0) continue;  // integer/string variables are bookkeeping, not weights
    if (entry.has_slices)
      fail("is partitioned into slices, which is not supported (re-save the checkpoint unpartitioned)");

    uint64_t numel = 1;
    for (int64_t d : entry.shape) {
      if (d < 0) fail("has a negative dimension");
      if (d != 0 && numel > (uint64_t{1} << 40) / static_cast<uint64_t>(d)) fail("shape is implausibly large");
      numel *= static_cast<uint64_t>(d);
    }
    if (entry.size < 0 || static_cast<uint64_t>(entry.size) != numel * item_size)
      fail("holds " + std::to_string(entry.size) + " bytes, expected " + std::to_string(numel * item_size));
    if (entry.shard_id < 0 || entry.shard_id >= header.num_shards)
      fail("shard " + std::to_string(entry.shard_id) + " out of range (" + std::to_string(header.num_shards) + " shards)");

    auto& shard = shards[static_cast<size_t>(entry.shard_id)];
    if (!shard) shard = detail::MappedFile::open(shard_path(prefix, entry.shard_id, header.num_shards));
    if (entry.offset < 0 || static_cast<uint64_t>(entry.offset) > shard->size() ||
        static_cast<uint64_t>(entry.size) > shard->size() - static_cast<uint64_t>(entry.offset))
      fail("bytes [" + std::to_string(entry.offset) + ", +" + std::to_string(entry.size) + "] are past the end of " +
           shard->path() + " (" + std::to_string(shard->size()) + " bytes; truncated?)");
    const unsigned char* bytes = shard->data() + entry.offset;
    const uint32_t actual = detail::crc32c(bytes, static_cast<size_t>(entry.size));
    if (actual != detail::crc32c_unmask(entry.crc32c)) fail("checksum mismatch in " + shard->path() + " (file corrupt)");

    Tensor tensor;
    tensor.shape = entry.shape;
    tensor.source = shard->path();
    if (entry.dtype == kDtFloat && reinterpret_cast<uintptr_t>(bytes) % alignof(float) == 0) {
      tensor.data = reinterpret_cast<const float*>(bytes);  // in place from the map
      tensor.owner = shard;
      tensor.mapped = true;
    } else {
      auto buffer = std::make_shared<std::vector<float>>(static_cast<size_t>(numel));
      if (numel == 0) {
        // empty: nothing to copy, and memcpy must not see the empty buffer's null data()
      } else if (entry.dtype == kDtFloat) {
        std::memcpy(buffer->data(), bytes, static_cast<size_t>(entry.size));
      } else if (entry.dtype == kDtHalf) {
        detail::halfs_to_floats(bytes, static_cast<size_t>(numel), buffer->data());
      } else {
        detail::bfloat16s_to_floats(bytes, static_cast<size_t>(numel), buffer->data());
      }
      tensor.data = buffer->data();
      tensor.owner = std::move(buffer);
    }
    tensors.emplace(name, std::move(tensor));
  }
  return tensors;
}

}  // namespace bertcpp
