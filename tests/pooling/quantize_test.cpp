// quantize_embeddings and similarity against numpy running sentence-transformers' own code
// (quantize_embeddings of ST 3.x) on a fixed matrix; the expected values were printed by it.
#include <bertcpp/pooling/quantize.h>
#include <bertcpp/pooling/similarity.h>

#include <gtest/gtest.h>

#include <cmath>

namespace bertcpp {
namespace {

RowMatrix sample() {
  RowMatrix e(3, 8);
  e << -1.0f, 0.25f, 3.0f, -0.5f, 2.0f, 0.0f, 1.5f, -2.0f,  //
      0.5f, -0.75f, 1.0f, 0.5f, -1.0f, 0.1f, 0.2f, 2.0f,     //
      2.0f, 0.0f, -3.0f, 1.0f, 0.0f, 0.3f, -0.4f, 0.0f;
  return e;
}

std::vector<int> as_ints(const QuantizedEmbeddings& q, bool is_signed) {
  std::vector<int> out;
  for (uint8_t b : q.bytes) out.push_back(is_signed ? static_cast<int>(static_cast<int8_t>(b)) : static_cast<int>(b));
  return out;
}

TEST(Quantize, Uint8AndInt8UseEachDimensionsRangeLikeSentenceTransformers) {
  const QuantizedEmbeddings u = quantize_embeddings(sample(), OutputPrecision::Uint8);
  EXPECT_EQ(u.rows, 3);
  EXPECT_EQ(u.cols, 8);
  EXPECT_EQ(as_ints(u, false), (std::vector<int>{0, 254, 255, 0, 255, 0, 255, 0, 127, 0, 170, 170, 0, 85, 80, 254,
                                                  255, 191, 0, 255, 85, 255, 0, 127}));
  EXPECT_EQ(as_ints(quantize_embeddings(sample(), OutputPrecision::Int8), true),
            (std::vector<int>{-128, 126, 127, -128, 127, -128, 127, -128, 0, -128, 42, 42, -128, -43, -47, 126,
                              127, 63, -128, 127, -43, 127, -128, 0}));
}

TEST(Quantize, CalibrationEmbeddingsOrRangesGiveTheRange) {
  RowMatrix calibration(2, 8);
  calibration.row(0).setConstant(-4.0f);
  calibration.row(1).setConstant(4.0f);
  const std::vector<int> expected = {-32, 7, 95, -16, 63, 0, 47, -64, 15, -24, 31, 15, -32, 2, 5, 63,
                                     63, 0, -96, 31, 0, 9, -13, 0};
  EXPECT_EQ(as_ints(quantize_embeddings(sample(), OutputPrecision::Int8, RowMatrix(), calibration), true), expected);
  EXPECT_EQ(as_ints(quantize_embeddings(sample(), OutputPrecision::Int8, calibration), true), expected);  // as ranges
  EXPECT_THROW(quantize_embeddings(sample(), OutputPrecision::Int8, RowMatrix::Zero(2, 4)), std::invalid_argument);
}

TEST(Quantize, BinaryPacksSignBitsMostSignificantFirst) {
  const QuantizedEmbeddings u = quantize_embeddings(sample(), OutputPrecision::Ubinary);
  EXPECT_EQ(u.cols, 1);
  EXPECT_EQ(as_ints(u, false), (std::vector<int>{106, 183, 148}));
  EXPECT_EQ(as_ints(quantize_embeddings(sample(), OutputPrecision::Binary), true), (std::vector<int>{-22, 55, 20}));
  EXPECT_THROW(quantize_embeddings(RowMatrix::Ones(1, 7), OutputPrecision::Binary), std::invalid_argument);
  EXPECT_THROW(quantize_embeddings(sample(), OutputPrecision::Float32), std::invalid_argument);
  EXPECT_EQ(parse_output_precision("ubinary"), OutputPrecision::Ubinary);
  EXPECT_THROW(parse_output_precision("int4"), std::invalid_argument);
}

TEST(Similarity, CosineDotAndNegatedDistances) {
  RowMatrix a(2, 2), b(1, 2);
  a << 3, 4, 1, 0;
  b << 0, 2;
  const RowMatrix cos = similarity(a, b, SimilarityFunction::Cosine);
  EXPECT_NEAR(cos(0, 0), 0.8f, 1e-6f);
  EXPECT_NEAR(cos(1, 0), 0.0f, 1e-6f);
  EXPECT_FLOAT_EQ(similarity(a, b, SimilarityFunction::Dot)(0, 0), 8.0f);
  EXPECT_NEAR(similarity(a, b, SimilarityFunction::Euclidean)(0, 0), -std::sqrt(13.0f), 1e-6f);
  EXPECT_FLOAT_EQ(similarity(a, b, SimilarityFunction::Manhattan)(1, 0), -3.0f);
  EXPECT_THROW(similarity(a, RowMatrix::Ones(1, 3), SimilarityFunction::Dot), std::invalid_argument);
  EXPECT_EQ(parse_similarity_function("dot_product"), SimilarityFunction::Dot);
}

}  // namespace
}  // namespace bertcpp
