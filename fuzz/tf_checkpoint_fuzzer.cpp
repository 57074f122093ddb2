// TensorFlow tensor bundle (.index LevelDB table + one .data shard) -> load_tf_checkpoint.
//
// Input layout: byte 0 = flags, bytes 1..4 = index length L (little-endian), L bytes of .index,
// the rest is .data-00000-of-00001. With flag bit 0 set the harness first repairs every CRC it
// can find (block trailers and BundleEntryProto.crc32c): random bytes almost never carry a
// valid CRC-32C, and without the repair the fuzzer would stop at the checksum checks.
#include "fuzz_support.h"

#include <bertcpp/detail/loaders/checkpoint.h>

#include "kernels/crc32c.h"
#include "loaders/protobuf_wire.h"

#include <cstring>
#include <stdexcept>

namespace {

using bertcpp::detail::WireError;
using bertcpp::detail::WireReader;

void store_u32_le(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

bool block_in_bounds(const std::string& table, uint64_t offset, uint64_t size) {
  const uint64_t limit = table.size() < 48 ? 0 : table.size() - 48;
  return offset <= limit && size <= limit - offset && limit - offset - size >= 5;
}

void fix_block_crc(std::string& table, uint64_t offset, uint64_t size) {
  const auto* start = reinterpret_cast<const unsigned char*>(table.data() + offset);
  const uint32_t crc = bertcpp::detail::crc32c(start, size + 1);
  store_u32_le(&table[offset + size + 1], bertcpp::detail::crc32c_mask(crc));
}

// Patches BundleEntryProto.crc32c (field 6, fixed32) in place to match the shard bytes.
void fix_entry_crc(char* value, size_t value_size, const std::string& shard) {
  WireReader reader({value, value_size});
  uint64_t offset = 0, size = 0;
  char* crc_field = nullptr;
  uint32_t field, wire;
  while (reader.next(field, wire)) {
    if (field == 4 && wire == 0) offset = reader.varint();
    else if (field == 5 && wire == 0) size = reader.varint();
    else if (field == 6 && wire == 5) {
      crc_field = value + (value_size - reader.remaining().size());
      reader.fixed32();
    } else reader.skip(wire);
  }
  if (!crc_field || offset > shard.size() || size > shard.size() - offset) return;
  const uint32_t crc =
      bertcpp::detail::crc32c(reinterpret_cast<const unsigned char*>(shard.data()) + offset, size);
  store_u32_le(crc_field, bertcpp::detail::crc32c_mask(crc));
}

// Walks one block's entries (prefix-compressed keys), calling visit(value, size) on each.
template <typename Visit>
void for_each_entry(std::string& table, uint64_t offset, uint64_t size, Visit visit) {
  if (size < 4) return;
  char* block = &table[offset];
  uint32_t restarts = 0;
  std::memcpy(&restarts, block + size - 4, 4);
  if (restarts == 0 || restarts > (size - 4) / 4) return;
  WireReader reader({block, static_cast<size_t>(size - 4 - 4 * uint64_t{restarts})});
  while (!reader.done()) {
    reader.varint();
    const uint64_t unshared = reader.varint();
    const uint64_t value_size = reader.varint();
    const std::string_view rest = reader.remaining();
    if (unshared > rest.size() || value_size > rest.size() - unshared) return;
    visit(const_cast<char*>(rest.data()) + unshared, static_cast<size_t>(value_size));
    reader.advance(unshared + value_size);
  }
}

void repair_checksums(std::string& table, const std::string& shard) {
  if (table.size() < 48) return;
  WireReader footer({table.data() + table.size() - 48, 40});
  footer.varint();
  footer.varint();
  const uint64_t index_offset = footer.varint(), index_size = footer.varint();
  if (!block_in_bounds(table, index_offset, index_size)) return;
  for_each_entry(table, index_offset, index_size, [&](char* handle, size_t handle_size) {
    WireReader h({handle, handle_size});
    const uint64_t offset = h.varint(), size = h.varint();
    if (!block_in_bounds(table, offset, size)) return;
    try {
      for_each_entry(table, offset, size,
                     [&](char* value, size_t value_size) { fix_entry_crc(value, value_size, shard); });
    } catch (const WireError&) {
    }
    fix_block_crc(table, offset, size);
  });
  fix_block_crc(table, index_offset, index_size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string prefix = bertcpp::fuzz::scratch_path("-bert_model.ckpt");
  static const std::string index_path = bertcpp::fuzz::scratch_path("-bert_model.ckpt.index");
  static const std::string shard_path = bertcpp::fuzz::scratch_path("-bert_model.ckpt.data-00000-of-00001");
  if (size < 5) return 0;
  const bool repair = data[0] & 1;
  uint32_t index_size = 0;
  std::memcpy(&index_size, data + 1, 4);
  const std::string_view rest(reinterpret_cast<const char*>(data) + 5, size - 5);
  std::string index(rest.substr(0, std::min<size_t>(index_size, rest.size())));
  const std::string shard(rest.substr(index.size()));
  if (repair) {
    try {
      repair_checksums(index, shard);
    } catch (const WireError&) {  // a handle that is not even a varint: leave the rest as is
    }
  }
  bertcpp::fuzz::write_file(index_path, index);
  bertcpp::fuzz::write_file(shard_path, shard);
  try {
    bertcpp::fuzz::read_every_tensor(bertcpp::load_tf_checkpoint(prefix));
  } catch (const std::runtime_error& e) {
    bertcpp::fuzz::check_names(e, prefix);
  }
  return 0;
}
