#include "loaders/zip_archive.h"

#include <stdexcept>

namespace bertcpp::detail {
namespace {

constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64EndOfCentralDirectory = 0x06064b50;
constexpr uint32_t kCentralDirectoryEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;

class Bytes {
 public:
  Bytes(std::string_view data, const std::string& path) : data_(data), path_(path) {}
  uint64_t le(uint64_t offset, int width, const char* what) const {
    if (offset > data_.size() || static_cast<uint64_t>(width) > data_.size() - offset)
      fail(std::string(what) + " at offset " + std::to_string(offset) + " is past the end of the archive");
    uint64_t v = 0;
    for (int i = width - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(data_[offset + i]);
    return v;
  }
  std::string text(uint64_t offset, uint64_t n, const char* what) const {
    if (offset > data_.size() || n > data_.size() - offset) fail(std::string(what) + " runs past the end of the archive");
    return std::string(data_.substr(offset, n));
  }
  size_t size() const { return data_.size(); }
  [[noreturn]] void fail(const std::string& why) const { throw std::runtime_error(path_ + ": " + why); }

 private:
  std::string_view data_;
  const std::string& path_;
};

}  // namespace

std::map<std::string, ZipEntry> read_zip_directory(std::string_view archive, const std::string& path) {
  const Bytes b(archive, path);
  if (b.size() < 22) b.fail("too short for a zip archive (" + std::to_string(b.size()) + " bytes)");
  // The end record sits at the end, followed only by a comment of at most 65535 bytes.
  uint64_t eocd = b.size() - 22;
  const uint64_t lowest = b.size() >= 22 + 65535 ? b.size() - 22 - 65535 : 0;
  while (b.le(eocd, 4, "end of central directory") != kEndOfCentralDirectory) {
    if (eocd == lowest) b.fail("no zip end-of-central-directory record (not a zip archive, or truncated)");
    --eocd;
  }
  uint64_t count = b.le(eocd + 10, 2, "entry count");
  uint64_t directory_size = b.le(eocd + 12, 4, "central directory size");
  uint64_t directory_offset = b.le(eocd + 16, 4, "central directory offset");
  if (count == 0xFFFF || directory_size == 0xFFFFFFFF || directory_offset == 0xFFFFFFFF) {
    if (eocd < 20 || b.le(eocd - 20, 4, "zip64 locator") != kZip64Locator) b.fail("zip64 archive without a zip64 locator");
    const uint64_t record = b.le(eocd - 20 + 8, 8, "zip64 end record offset");
    if (b.le(record, 4, "zip64 end record") != kZip64EndOfCentralDirectory) b.fail("bad zip64 end-of-central-directory record");
    count = b.le(record + 32, 8, "zip64 entry count");
    directory_size = b.le(record + 40, 8, "zip64 central directory size");
    directory_offset = b.le(record + 48, 8, "zip64 central directory offset");
  }
  if (directory_offset > b.size() || directory_size > b.size() - directory_offset)
    b.fail("central directory [" + std::to_string(directory_offset) + ", +" + std::to_string(directory_size) +
           "] is past the end of the archive (truncated?)");

  std::map<std::string, ZipEntry> entries;
  uint64_t at = directory_offset;
  for (uint64_t i = 0; i < count; ++i) {
    if (b.le(at, 4, "central directory entry") != kCentralDirectoryEntry)
      b.fail("corrupt central directory entry " + std::to_string(i) + " at offset " + std::to_string(at));
    ZipEntry entry;
    entry.method = static_cast<uint16_t>(b.le(at + 10, 2, "compression method"));
    entry.size = b.le(at + 20, 4, "compressed size");
    entry.uncompressed_size = b.le(at + 24, 4, "size");
    const uint64_t name_length = b.le(at + 28, 2, "name length");
    const uint64_t extra_length = b.le(at + 30, 2, "extra length");
    const uint64_t comment_length = b.le(at + 32, 2, "comment length");
    uint64_t local = b.le(at + 42, 4, "local header offset");
    const std::string name = b.text(at + 46, name_length, "entry name");
    // zip64 extended information: the 8-byte values of whichever fields overflowed, in order.
    for (uint64_t e = at + 46 + name_length; e + 4 <= at + 46 + name_length + extra_length;) {
      const uint64_t id = b.le(e, 2, "extra field"), length = b.le(e + 2, 2, "extra field");
      if (id == 0x0001) {
        uint64_t p = e + 4;
        if (entry.uncompressed_size == 0xFFFFFFFF) entry.uncompressed_size = b.le(p, 8, "zip64 size"), p += 8;
        if (entry.size == 0xFFFFFFFF) entry.size = b.le(p, 8, "zip64 compressed size"), p += 8;
        if (local == 0xFFFFFFFF) local = b.le(p, 8, "zip64 local header offset");
      }
      e += 4 + length;
    }
    if (b.le(local, 4, "local header") != kLocalHeader)
      b.fail("entry \"" + name + "\": bad local header at offset " + std::to_string(local));
    entry.data_offset = local + 30 + b.le(local + 26, 2, "local name length") + b.le(local + 28, 2, "local extra length");
    if (entry.data_offset > b.size() || entry.size > b.size() - entry.data_offset)
      b.fail("entry \"" + name + "\" [" + std::to_string(entry.data_offset) + ", +" + std::to_string(entry.size) +
             "] is past the end of the archive (truncated?)");
    if (!entries.emplace(name, entry).second) b.fail("entry \"" + name + "\" appears twice");
    at += 46 + name_length + extra_length + comment_length;
  }
  return entries;
}

}  // namespace bertcpp::detail
