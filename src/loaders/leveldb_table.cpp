#include "loaders/leveldb_table.h"

#include "kernels/crc32c.h"
#include "loaders/protobuf_wire.h"

#include <cstdint>
#include <stdexcept>

namespace bertcpp::detail {
namespace {

constexpr size_t kFooterSize = 48;
constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr size_t kBlockTrailerSize = 5;

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
};

uint32_t load_u32_le(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

class TableReader {
 public:
  TableReader(std::string_view table, const std::string& path) : table_(table), path_(path) {}

  std::vector<std::pair<std::string, std::string_view>> read_all() {
    if (table_.size() < kFooterSize)
      fail("too short for a table (" + std::to_string(table_.size()) + " bytes, the footer alone is 48)");
    const std::string_view footer = table_.substr(table_.size() - kFooterSize);
    uint64_t magic = 0;
    for (int i = 7; i >= 0; --i) magic = (magic << 8) | static_cast<unsigned char>(footer[40 + i]);
    if (magic != kTableMagic) fail("bad table magic number (not a checkpoint index, or truncated)");
    WireReader handles(footer.substr(0, 40));
    BlockHandle metaindex, index;
    try {
      metaindex = handle(handles);
      index = handle(handles);
    } catch (const WireError& e) {
      fail(std::string("corrupt footer: ") + e.what());
    }
    // Writers zero the padding after the two handles; anything else there is damage.
    for (char c : handles.remaining())
      if (c != 0) fail("corrupt footer: non-zero padding");
    // Nothing in the metaindex is needed, but a damaged one means a damaged file.
    block(metaindex, "metaindex block");

    std::vector<std::pair<std::string, std::string_view>> out;
    for (const auto& [separator, handle_bytes] : entries(block(index, "index block"), "index block")) {
      WireReader reader(handle_bytes);
      BlockHandle data;
      try {
        data = handle(reader);
      } catch (const WireError& e) {
        fail("corrupt block handle in the index block: " + std::string(e.what()));
      }
      const std::string what = "data block at offset " + std::to_string(data.offset);
      for (auto& entry : entries(block(data, what), what)) {
        if (!out.empty() && !(out.back().first < entry.first))
          fail("keys out of order in the " + what + ": \"" + entry.first + "\" after \"" + out.back().first + "\"");
        out.push_back(std::move(entry));
      }
    }
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const { throw std::runtime_error(path_ + ": " + why); }

  static BlockHandle handle(WireReader& reader) {
    BlockHandle h;
    h.offset = reader.varint();
    h.size = reader.varint();
    return h;
  }

  // The block's contents after checking bounds, compression type and CRC.
  std::string_view block(const BlockHandle& h, const std::string& what) const {
    const uint64_t limit = table_.size() - kFooterSize;
    if (h.offset > limit || h.size > limit - h.offset || limit - h.offset - h.size < kBlockTrailerSize)
      fail(what + " [" + std::to_string(h.offset) + ", +" + std::to_string(h.size) + "] runs past the end of the table");
    const char* start = table_.data() + h.offset;
    const auto type = static_cast<unsigned char>(start[h.size]);
    const uint32_t stored = crc32c_unmask(load_u32_le(start + h.size + 1));
    const uint32_t actual = crc32c(reinterpret_cast<const unsigned char*>(start), h.size + 1);
    if (stored != actual) fail(what + ": checksum mismatch (file corrupt)");
    if (type != 0)
      fail(what + " is compressed (type " + std::to_string(type) + "); only uncompressed checkpoint indexes are supported");
    return {start, static_cast<size_t>(h.size)};
  }

  std::vector<std::pair<std::string, std::string_view>> entries(std::string_view contents, const std::string& what) const {
    if (contents.size() < 4) fail(what + " is too short");
    const uint32_t restarts = load_u32_le(contents.data() + contents.size() - 4);
    if (restarts == 0 || restarts > (contents.size() - 4) / 4) fail(what + ": bad restart count " + std::to_string(restarts));
    const size_t limit = contents.size() - 4 - 4 * static_cast<size_t>(restarts);
    std::vector<std::pair<std::string, std::string_view>> out;
    std::string key;
    WireReader reader(contents.substr(0, limit));
    try {
      while (!reader.done()) {
        const uint64_t shared = reader.varint();
        const uint64_t unshared = reader.varint();
        const uint64_t value_size = reader.varint();
        if (shared > key.size()) fail(what + ": entry shares " + std::to_string(shared) + " bytes of a shorter key");
        const std::string_view rest = reader.remaining();
        if (unshared > rest.size() || value_size > rest.size() - unshared) fail(what + ": entry runs past the block");
        key.resize(shared);
        key.append(rest.data(), unshared);
        out.emplace_back(key, rest.substr(unshared, value_size));
        reader.advance(unshared + value_size);
      }
    } catch (const WireError& e) {
      fail(what + ": " + e.what());
    }
    return out;
  }

  std::string_view table_;
  const std::string& path_;
};

}  // namespace

std::vector<std::pair<std::string, std::string_view>> read_leveldb_table(std::string_view table,
                                                                         const std::string& path) {
  return TableReader(table, path).read_all();
}

}  // namespace bertcpp::detail
