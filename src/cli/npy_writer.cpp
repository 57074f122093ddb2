#include "cli/npy_writer.h"

#include <stdexcept>

namespace bertcpp::cli {

namespace {
// Header bytes, fixed so that patching never moves the data: room for any 20-digit count.
constexpr size_t kHeaderSize = 128;
}  // namespace

NpyWriter::NpyWriter(std::ofstream out, const std::string& path, std::vector<int64_t> row_shape)
    : path_(path), row_shape_(std::move(row_shape)), out_(std::move(out)) {
  for (int64_t d : row_shape_) row_floats_ *= d;
  out_ << header(0);
}

std::string NpyWriter::header(int64_t rows) const {
  std::string shape = "(" + std::to_string(rows) + ",";
  for (size_t i = 0; i < row_shape_.size(); ++i) shape += (i ? ", " : " ") + std::to_string(row_shape_[i]);
  shape += ")";
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  // Format 1.0: magic, version, uint16 little-endian header length, dict padded with spaces, '\n'.
  const size_t prefix = 10;
  if (prefix + dict.size() + 1 > kHeaderSize)
    throw std::runtime_error(path_ + ": .npy header does not fit for shape " + shape);
  dict.append(kHeaderSize - prefix - dict.size() - 1, ' ');
  dict += '\n';
  const uint16_t length = static_cast<uint16_t>(dict.size());
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(length & 0xff);
  out += static_cast<char>(length >> 8);
  return out + dict;
}

void NpyWriter::append(const float* data, int64_t rows) {
  // .npy data is little-endian float32, which is this machine's layout (x86-64, aarch64).
  out_.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(sizeof(float) * rows * row_floats_));
  if (!out_) throw std::runtime_error(path_ + ": write failed (disk full?)");
  rows_ += rows;
}

void NpyWriter::finish() {
  out_.seekp(0);
  out_ << header(rows_);
  out_.close();
  if (!out_) throw std::runtime_error(path_ + ": could not finish the .npy file");
}

}  // namespace bertcpp::cli
