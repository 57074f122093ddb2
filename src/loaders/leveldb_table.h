// A LevelDB-format table (SSTable) reader: TensorFlow checkpoint .index files are such tables.
// Layout (LevelDB doc/table_format.md): data blocks, meta blocks, a metaindex block, an index
// block, then a 48-byte footer (two BlockHandles, padding, magic 0xdb4775248b80fb57). Each block
// is followed by a 1-byte compression type and the masked CRC-32C of block + type byte.
// Entries share key prefixes with the previous key; restart points every few entries.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bertcpp::detail {

// Every key/value pair of the table in key order. Values point into `table` (the caller keeps it
// alive). Checks the footer magic, every block's CRC and bounds, and that keys strictly increase.
// Compressed (snappy) blocks are refused: TensorFlow writes checkpoint indexes uncompressed.
// Throws std::runtime_error starting with `path`.
std::vector<std::pair<std::string, std::string_view>> read_leveldb_table(std::string_view table,
                                                                         const std::string& path);

}  // namespace bertcpp::detail
