#include <Eigen/Core>

#include <bertcpp/pooling/pooling.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>
#include <utility>

namespace bertcpp {

namespace {

const std::pair<const char*, PoolingStrategy> kNames[] = {
    {"REDUCE_MEAN", PoolingStrategy::ReduceMean},   {"REDUCE_MAX", PoolingStrategy::ReduceMax},
    {"REDUCE_MEAN_MAX", PoolingStrategy::ReduceMeanMax}, {"FIRST_TOKEN", PoolingStrategy::FirstToken},
    {"CLS_TOKEN", PoolingStrategy::FirstToken},     {"LAST_TOKEN", PoolingStrategy::LastToken},
    {"SEP_TOKEN", PoolingStrategy::LastToken},      {"CLS_POOLED", PoolingStrategy::ClsPooled},
    {"NONE", PoolingStrategy::None},
};

}  // namespace

PoolingStrategy parse_pooling_strategy(const std::string& name) {
  std::string upper = name;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::string valid;
  for (const auto& [n, strategy] : kNames) {
    if (upper == n) return strategy;
    valid += (valid.empty() ? "" : ", ") + std::string(n);
  }
  throw std::invalid_argument("unknown pooling strategy \"" + name + "\"; valid: " + valid);
}

std::string to_string(PoolingStrategy strategy) {
  switch (strategy) {
    case PoolingStrategy::ReduceMean: return "REDUCE_MEAN";
    case PoolingStrategy::ReduceMax: return "REDUCE_MAX";
    case PoolingStrategy::ReduceMeanMax: return "REDUCE_MEAN_MAX";
    case PoolingStrategy::FirstToken: return "CLS_TOKEN";
    case PoolingStrategy::LastToken: return "SEP_TOKEN";
    case PoolingStrategy::ClsPooled: return "CLS_POOLED";
    case PoolingStrategy::None: return "NONE";
  }
  return "UNKNOWN";
}

RowMatrix pool(const RowMatrix& hidden, const TokenBatch& batch, PoolingStrategy strategy) {
  const Eigen::Index H = hidden.cols();
  const auto S = static_cast<Eigen::Index>(batch.num_sequences());
  if (batch.offsets.empty() || batch.offsets.back() != hidden.rows()) {
    throw std::invalid_argument("pool: hidden states have " + std::to_string(hidden.rows()) +
                                " rows but the batch has " + std::to_string(batch.num_tokens()) + " tokens");
  }
  if (strategy == PoolingStrategy::ClsPooled || strategy == PoolingStrategy::None) {
    throw std::invalid_argument("pool: " + to_string(strategy) +
                                " is not a reduction of hidden states (the Encoder handles it)");
  }
  const Eigen::Index width = strategy == PoolingStrategy::ReduceMeanMax ? 2 * H : H;
  RowMatrix out(S, width);
  for (Eigen::Index s = 0; s < S; ++s) {
    const Eigen::Index begin = batch.offsets[s];
    const Eigen::Index len = batch.length(static_cast<size_t>(s));
    if (len <= 0) throw std::invalid_argument("pool: sequence " + std::to_string(s) + " is empty");
    const auto tokens = hidden.middleRows(begin, len);
    switch (strategy) {
      case PoolingStrategy::ReduceMean:
        out.row(s) = tokens.colwise().mean();
        break;
      case PoolingStrategy::ReduceMax:
        out.row(s) = tokens.colwise().maxCoeff();
        break;
      case PoolingStrategy::ReduceMeanMax:
        out.row(s).head(H) = tokens.colwise().mean();
        out.row(s).tail(H) = tokens.colwise().maxCoeff();
        break;
      case PoolingStrategy::FirstToken:
        out.row(s) = hidden.row(begin);
        break;
      case PoolingStrategy::LastToken:
        out.row(s) = hidden.row(begin + len - 1);
        break;
      default:
        break;
    }
  }
  return out;
}

void l2_normalize_rows(RowMatrix& m) {
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    const float norm = m.row(r).norm();
    if (norm > 0.0f) m.row(r) /= norm;
  }
}

}  // namespace bertcpp
