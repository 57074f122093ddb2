// Embeddings -> fewer bits: sentence-transformers' quantize_embeddings, value for value.
//   int8 / uint8: per dimension, [min, max] (of `ranges`, else of the calibration embeddings,
//     else of the embeddings themselves) cut into 255 steps; (x - min) / step, then - 128 for
//     int8, converted like numpy's astype (toward zero). Ranges taken from one embedding (all
//     zeros would come out) or holding NaN or inf are std::invalid_argument.
//   binary / ubinary: one bit per dimension (x > 0), packed 8 to a byte, most significant bit
//     first (numpy.packbits); binary stores each byte - 128 as int8.
#pragma once

#include <bertcpp/matrix.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bertcpp {

enum class OutputPrecision { Float32, Int8, Uint8, Binary, Ubinary };
// "float32", "int8", "uint8", "binary", "ubinary"; std::invalid_argument listing them.
OutputPrecision parse_output_precision(const std::string& name);
const char* to_string(OutputPrecision precision);

struct QuantizedEmbeddings {
  OutputPrecision precision;
  int64_t rows = 0, cols = 0;   // cols: bytes per row (dim, or ceil(dim / 8) for the binary kinds)
  std::vector<uint8_t> bytes;   // row-major; int8 values stored as their two's-complement byte
};

// `ranges`: [2, dim] (row 0 minima, row 1 maxima) or empty; `calibration`: [m, dim] or empty.
// std::invalid_argument for Float32 (nothing to quantize) or ranges / calibration whose width
// is not dim.
QuantizedEmbeddings quantize_embeddings(const RowMatrix& embeddings, OutputPrecision precision,
                                        const RowMatrix& ranges = RowMatrix(), const RowMatrix& calibration = RowMatrix());

}  // namespace bertcpp
