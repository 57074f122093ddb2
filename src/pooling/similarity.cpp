#include <Eigen/Core>

#include <bertcpp/pooling/similarity.h>

#include <stdexcept>

namespace bertcpp {

SimilarityFunction parse_similarity_function(const std::string& name) {
  if (name == "cosine") return SimilarityFunction::Cosine;
  if (name == "dot" || name == "dot_product") return SimilarityFunction::Dot;
  if (name == "euclidean") return SimilarityFunction::Euclidean;
  if (name == "manhattan") return SimilarityFunction::Manhattan;
  throw std::invalid_argument("similarity function \"" + name + "\" is not one of cosine, dot, euclidean, manhattan");
}

const char* to_string(SimilarityFunction fn) {
  switch (fn) {
    case SimilarityFunction::Cosine: return "cosine";
    case SimilarityFunction::Dot: return "dot";
    case SimilarityFunction::Euclidean: return "euclidean";
    case SimilarityFunction::Manhattan: return "manhattan";
  }
  return "?";
}

RowMatrix similarity(const RowMatrix& a, const RowMatrix& b, SimilarityFunction fn) {
  if (a.cols() != b.cols())
    throw std::invalid_argument("similarity: embeddings of width " + std::to_string(a.cols()) + " and " +
                                std::to_string(b.cols()) + " cannot be compared");
  RowMatrix out(a.rows(), b.rows());
  switch (fn) {
    case SimilarityFunction::Dot:
      out.noalias() = a * b.transpose();
      break;
    case SimilarityFunction::Cosine: {
      // ST normalizes with a 1e-12 floor on the norm (torch.nn.functional.normalize).
      RowMatrix na = a, nb = b;
      for (Eigen::Index r = 0; r < na.rows(); ++r) na.row(r) /= std::max(na.row(r).norm(), 1e-12f);
      for (Eigen::Index r = 0; r < nb.rows(); ++r) nb.row(r) /= std::max(nb.row(r).norm(), 1e-12f);
      out.noalias() = na * nb.transpose();
      break;
    }
    case SimilarityFunction::Euclidean:
      for (Eigen::Index i = 0; i < a.rows(); ++i)
        for (Eigen::Index j = 0; j < b.rows(); ++j) out(i, j) = -(a.row(i) - b.row(j)).norm();
      break;
    case SimilarityFunction::Manhattan:
      for (Eigen::Index i = 0; i < a.rows(); ++i)
        for (Eigen::Index j = 0; j < b.rows(); ++j) out(i, j) = -(a.row(i) - b.row(j)).cwiseAbs().sum();
      break;
  }
  return out;
}

}  // namespace bertcpp
