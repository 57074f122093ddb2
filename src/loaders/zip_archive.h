// The central directory of a zip archive held in memory (torch.save writes one, uncompressed,
// each entry's data 64-byte aligned), so entries can be used in place from a memory map.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace bertcpp::detail {

struct ZipEntry {
  uint64_t data_offset = 0;  // of the entry's bytes within the archive
  uint64_t size = 0;         // stored (compressed) size
  uint64_t uncompressed_size = 0;
  uint16_t method = 0;       // 0 = stored
};

// Reads the end-of-central-directory record (zip64 too), every central directory entry and its
// local header. Throws std::runtime_error starting with `path` on anything out of bounds.
std::map<std::string, ZipEntry> read_zip_directory(std::string_view archive, const std::string& path);

}  // namespace bertcpp::detail
