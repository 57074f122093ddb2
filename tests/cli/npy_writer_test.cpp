// NpyWriter: a valid .npy whose header shape is patched to the rows written.
#include "cli/npy_writer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace bertcpp::cli {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(NpyWriter, WritesHeaderShapeAndDataInOrder) {
  const std::string path = (std::filesystem::temp_directory_path() / "bertcpp_npy_writer_test.npy").string();
  NpyWriter writer(std::ofstream(path, std::ios::binary), path, {3});
  const float first[] = {1, 2, 3, 4, 5, 6}, second[] = {7, 8, 9};
  writer.append(first, 2);
  writer.append(second, 1);
  writer.finish();
  const std::string bytes = read_file(path);
  std::remove(path.c_str());
  ASSERT_EQ(bytes.size(), 128u + 9 * sizeof(float));
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ(10 + header_len, 128u);  // data aligned to 64 bytes, as the format asks
  const std::string header = bytes.substr(10, header_len);
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos) << header;
  EXPECT_NE(header.find("'shape': (3, 3)"), std::string::npos) << header;
  EXPECT_EQ(header.back(), '\n');
  float last;
  std::memcpy(&last, bytes.data() + 128 + 8 * sizeof(float), sizeof(float));
  EXPECT_EQ(last, 9.0f);
}

TEST(NpyWriter, TokenRowsGiveThreeDimensions) {
  const std::string path = (std::filesystem::temp_directory_path() / "bertcpp_npy_writer_3d.npy").string();
  NpyWriter writer(std::ofstream(path, std::ios::binary), path, {2, 4});
  writer.finish();
  const std::string header = read_file(path).substr(10);
  std::remove(path.c_str());
  EXPECT_NE(header.find("'shape': (0, 2, 4)"), std::string::npos) << header;
}

}  // namespace
}  // namespace bertcpp::cli
