// Similarity of embeddings, by sentence-transformers' similarity_fn_name: cosine, dot, and
// the negated euclidean / manhattan distances (higher is more similar for all four).
#pragma once

#include <bertcpp/matrix.h>

#include <string>

namespace bertcpp {

enum class SimilarityFunction { Cosine, Dot, Euclidean, Manhattan };
// "cosine", "dot" (or "dot_product"), "euclidean", "manhattan"; std::invalid_argument listing them.
SimilarityFunction parse_similarity_function(const std::string& name);
const char* to_string(SimilarityFunction fn);

// [n, m]: fn(a.row(i), b.row(j)). std::invalid_argument when the widths differ.
RowMatrix similarity(const RowMatrix& a, const RowMatrix& b, SimilarityFunction fn);

}  // namespace bertcpp
