#include <Eigen/Core>

#include <bertcpp/pooling/quantize.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace bertcpp {

namespace {

// numpy's float -> integer astype: truncation toward zero; out of range or NaN is undefined in
// numpy (C casts), so it is made deterministic here by wrapping like the x86 conversion of the
// int64 value (NaN -> INT64_MIN, i.e. 0 after wrapping).
uint8_t to_byte(double v) {
  if (!std::isfinite(v) || std::fabs(v) > 9.2e18) return 0;
  return static_cast<uint8_t>(static_cast<int64_t>(std::trunc(v)));
}

// Ranges that quantize everything to one value would return zeros without a word (numpy casts
// the NaN of 0/0): refused instead, naming where they came from.
void require_finite(const RowMatrix& m, const char* what) {
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c)
      if (!std::isfinite(m(r, c)))
        throw std::invalid_argument(std::string("quantize_embeddings: ") + what + " has a non-finite value at [" +
                                    std::to_string(r) + ", " + std::to_string(c) + "]");
}

}  // namespace

OutputPrecision parse_output_precision(const std::string& name) {
  for (OutputPrecision p : {OutputPrecision::Float32, OutputPrecision::Int8, OutputPrecision::Uint8, OutputPrecision::Binary,
                            OutputPrecision::Ubinary})
    if (name == to_string(p)) return p;
  throw std::invalid_argument("output_precision \"" + name + "\" is not one of float32, int8, uint8, binary, ubinary");
}

const char* to_string(OutputPrecision p) {
  switch (p) {
    case OutputPrecision::Float32: return "float32";
    case OutputPrecision::Int8: return "int8";
    case OutputPrecision::Uint8: return "uint8";
    case OutputPrecision::Binary: return "binary";
    case OutputPrecision::Ubinary: return "ubinary";
  }
  return "?";
}

QuantizedEmbeddings quantize_embeddings(const RowMatrix& e, OutputPrecision precision, const RowMatrix& ranges,
                                        const RowMatrix& calibration) {
  QuantizedEmbeddings q;
  q.precision = precision;
  q.rows = e.rows();
  const Eigen::Index dim = e.cols();
  switch (precision) {
    case OutputPrecision::Float32:
      throw std::invalid_argument("quantize_embeddings: float32 needs no quantization");
    case OutputPrecision::Int8:
    case OutputPrecision::Uint8: {
      Eigen::RowVectorXf lo, hi;
      if (ranges.size() > 0) {
        if (ranges.rows() != 2 || ranges.cols() != dim)
          throw std::invalid_argument("quantize_embeddings: ranges must be [2, " + std::to_string(dim) + "], got [" +
                                      std::to_string(ranges.rows()) + ", " + std::to_string(ranges.cols()) + "]");
        require_finite(ranges, "ranges");
        lo = ranges.row(0);
        hi = ranges.row(1);
      } else {
        const bool given = calibration.size() > 0;
        const RowMatrix& source = given ? calibration : e;
        const char* what = given ? "calibration_embeddings" : "the embeddings (no ranges or calibration_embeddings given)";
        if (source.cols() != dim)
          throw std::invalid_argument("quantize_embeddings: calibration embeddings have width " +
                                      std::to_string(source.cols()) + ", the embeddings " + std::to_string(dim));
        if (source.rows() == 0) throw std::invalid_argument("quantize_embeddings: no embeddings to take ranges from");
        if (source.rows() == 1)
          throw std::invalid_argument(std::string("quantize_embeddings: ranges from ") + what +
                                      ": one embedding gives every dimension min = max, and every value 0; pass "
                                      "calibration_embeddings (sentence-transformers suggests 100 or more) or ranges");
        require_finite(source, given ? "calibration_embeddings" : "embeddings");
        lo = source.colwise().minCoeff();
        hi = source.colwise().maxCoeff();
      }
      q.cols = dim;
      q.bytes.resize(static_cast<size_t>(q.rows * q.cols));
      const float shift = precision == OutputPrecision::Int8 ? 128.0f : 0.0f;
      for (Eigen::Index r = 0; r < e.rows(); ++r)
        for (Eigen::Index c = 0; c < dim; ++c) {
          // float32 arithmetic as numpy does it on float32 arrays
          const float step = (hi[c] - lo[c]) / 255.0f;
          const float v = (e(r, c) - lo[c]) / step;
          q.bytes[static_cast<size_t>(r * dim + c)] = to_byte(static_cast<double>(v - shift));
        }
      return q;
    }
    case OutputPrecision::Binary:
    case OutputPrecision::Ubinary: {
      // ST packs the flattened [rows, dim] bits and reshapes to rows: whole bytes per row only.
      if (dim % 8 != 0)
        throw std::invalid_argument("quantize_embeddings: binary precision needs a width divisible by 8, got " +
                                    std::to_string(dim));
      q.cols = dim / 8;
      q.bytes.assign(static_cast<size_t>(q.rows * q.cols), 0);
      for (Eigen::Index r = 0; r < e.rows(); ++r)
        for (Eigen::Index c = 0; c < dim; ++c)
          if (e(r, c) > 0.0f) q.bytes[static_cast<size_t>(r * q.cols + c / 8)] |= static_cast<uint8_t>(0x80 >> (c % 8));
      if (precision == OutputPrecision::Binary)
        for (uint8_t& b : q.bytes) b = static_cast<uint8_t>(static_cast<int>(b) - 128);
      return q;
    }
  }
  return q;
}

}  // namespace bertcpp
