#include <Eigen/Core>

#include <bertcpp/pooling/pooling.h>
#include <bertcpp/detail/model/token_batch.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace bertcpp {

namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// Names accepted besides the table's canonical and sentence-transformers names.
const std::pair<const char*, PoolingStrategy> kAliases[] = {
    {"FIRST_TOKEN", PoolingStrategy::FirstToken},  {"LAST_TOKEN", PoolingStrategy::LastToken},
    {"MEAN_TOKENS", PoolingStrategy::ReduceMean},  {"MAX_TOKENS", PoolingStrategy::ReduceMax},
    {"CLS_TOKEN", PoolingStrategy::FirstToken},    {"MEAN_SQRT_LEN", PoolingStrategy::MeanSqrtLen},
    {"WEIGHTEDMEAN_TOKENS", PoolingStrategy::WeightedMean},
};

}  // namespace

const std::vector<PoolingMode>& pooling_modes() {
  static const std::vector<PoolingMode> table = {
      // strategy                        name                  st_name                 width  every token
      {PoolingStrategy::FirstToken,   "CLS_TOKEN",          "cls_token",            1, false},
      {PoolingStrategy::ReduceMax,    "REDUCE_MAX",         "max_tokens",           1, true},
      {PoolingStrategy::ReduceMean,   "REDUCE_MEAN",        "mean_tokens",          1, true},
      {PoolingStrategy::MeanSqrtLen,  "MEAN_SQRT_LEN_TOKENS", "mean_sqrt_len_tokens", 1, true},
      {PoolingStrategy::WeightedMean, "WEIGHTED_MEAN",      "weightedmean_tokens",  1, true},
      {PoolingStrategy::LastToken,    "SEP_TOKEN",          "lasttoken",            1, true},
      {PoolingStrategy::ReduceMeanMax, "REDUCE_MEAN_MAX",   "",                     2, true},
      {PoolingStrategy::ClsPooled,    "CLS_POOLED",         "",                     1, false},
      {PoolingStrategy::None,         "NONE",               "",                     1, true},
  };
  return table;
}

const PoolingMode& pooling_mode(PoolingStrategy strategy) {
  for (const PoolingMode& m : pooling_modes())
    if (m.strategy == strategy) return m;
  throw std::invalid_argument("unknown pooling strategy " + std::to_string(static_cast<int>(strategy)));
}

PoolingStrategy parse_pooling_strategy(const std::string& name) {
  const std::string u = upper(name);
  std::string valid;
  for (const PoolingMode& m : pooling_modes()) {
    // ST's short names: "cls", "mean", "max", "weightedmean", and the pooling_mode_* suffixes.
    std::string st = upper(m.st_name), st_short = st;
    if (st_short.size() > 7 && st_short.compare(st_short.size() - 7, 7, "_TOKENS") == 0 && st_short != "MEAN_SQRT_LEN_TOKENS")
      st_short.resize(st_short.size() - 7);
    if (st_short == "CLS_TOKEN") st_short = "CLS";
    if (u == m.name || (!st.empty() && (u == st || u == st_short))) return m.strategy;
    valid += (valid.empty() ? "" : ", ") + std::string(m.name);
    if (!st.empty()) valid += " (" + std::string(st_short == st ? m.st_name : st_short) + ")";
  }
  for (const auto& [alias, strategy] : kAliases)
    if (u == alias) return strategy;
  valid += "; aliases FIRST_TOKEN, LAST_TOKEN";
  throw std::invalid_argument("unknown pooling strategy \"" + name + "\"; valid: " + valid);
}

std::string to_string(PoolingStrategy strategy) { return pooling_mode(strategy).name; }

std::vector<size_t> pooled_row_shape(const std::vector<PoolingStrategy>& modes, size_t H, size_t num_layers,
                                     size_t tokens) {
  if (modes.empty()) throw std::invalid_argument("pooling: no pooling mode given");
  const bool has_none = std::find(modes.begin(), modes.end(), PoolingStrategy::None) != modes.end();
  if (has_none) {
    if (modes.size() != 1) throw std::invalid_argument("pooling: NONE (token vectors) cannot be combined with other modes");
    return {tokens, H * num_layers};
  }
  if (modes.size() > 1 && std::find(modes.begin(), modes.end(), PoolingStrategy::ClsPooled) != modes.end())
    throw std::invalid_argument("pooling: CLS_POOLED (the pooler's output) cannot be combined with other modes");
  size_t width = 0;
  for (PoolingStrategy s : modes) {
    const PoolingMode& m = pooling_mode(s);
    width += s == PoolingStrategy::ClsPooled ? H : m.width_factor * H * num_layers;
  }
  return {width};
}

bool needs_every_token(const std::vector<PoolingStrategy>& modes) {
  for (PoolingStrategy s : modes)
    if (pooling_mode(s).needs_every_token) return true;
  return false;
}

RowMatrix pool(const RowMatrix& hidden, const TokenBatch& batch, PoolingStrategy strategy,
               const std::vector<int64_t>* excluded_leading) {
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
  if (excluded_leading && excluded_leading->size() != static_cast<size_t>(S)) {
    throw std::invalid_argument("pool: excluded_leading has " + std::to_string(excluded_leading->size()) +
                                " entries for " + std::to_string(S) + " sequences");
  }
  const Eigen::Index width = static_cast<Eigen::Index>(pooling_mode(strategy).width_factor) * H;
  RowMatrix out(S, width);
  for (Eigen::Index s = 0; s < S; ++s) {
    const Eigen::Index begin = batch.offsets[s];
    const Eigen::Index len = batch.length(static_cast<size_t>(s));
    if (len <= 0) throw std::invalid_argument("pool: sequence " + std::to_string(s) + " is empty");
    const Eigen::Index skip =
        excluded_leading ? std::clamp<Eigen::Index>((*excluded_leading)[s], 0, len) : Eigen::Index{0};
    const Eigen::Index kept = len - skip;
    const auto tokens = hidden.middleRows(begin + skip, kept);
    // sentence-transformers: masked tokens read -1e9 for max; sums are divided by clamp(count, 1e-9).
    auto mean = [&] { return kept > 0 ? RowMatrix(tokens.colwise().mean()) : RowMatrix::Zero(1, H).eval(); };
    auto max = [&] {
      return kept > 0 ? RowMatrix(tokens.colwise().maxCoeff()) : RowMatrix::Constant(1, H, -1e9f).eval();
    };
    switch (strategy) {
      case PoolingStrategy::ReduceMean:
        out.row(s) = mean();
        break;
      case PoolingStrategy::ReduceMax:
        out.row(s) = max();
        break;
      case PoolingStrategy::ReduceMeanMax:
        out.row(s).head(H) = mean();
        out.row(s).tail(H) = max();
        break;
      case PoolingStrategy::MeanSqrtLen:
        if (kept > 0) out.row(s) = tokens.colwise().sum() / std::sqrt(static_cast<float>(kept));
        else out.row(s).setZero();
        break;
      case PoolingStrategy::WeightedMean: {
        // Weights are 1-based positions in the whole sequence, as ST's arange(1, seq_len + 1).
        Eigen::RowVectorXf sum = Eigen::RowVectorXf::Zero(H);
        float weight_sum = 0.0f;
        for (Eigen::Index t = skip; t < len; ++t) {
          const float w = static_cast<float>(t + 1);
          sum += w * hidden.row(begin + t);
          weight_sum += w;
        }
        out.row(s) = weight_sum > 0.0f ? Eigen::RowVectorXf(sum / weight_sum) : Eigen::RowVectorXf::Zero(H);
        break;
      }
      case PoolingStrategy::FirstToken:
        out.row(s) = hidden.row(begin);  // ST's cls reads row 0 whatever the mask
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

void l2_normalize_rows(RowMatrix& m) { l2_normalize_blocks(m, m.cols()); }

void l2_normalize_blocks(RowMatrix& m, Eigen::Index block) {
  if (m.cols() == 0) return;
  if (block <= 0 || m.cols() % block != 0)
    throw std::invalid_argument("l2_normalize_blocks: block " + std::to_string(block) + " does not divide " +
                                std::to_string(m.cols()) + " columns");
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c = 0; c < m.cols(); c += block) {
      auto v = m.row(r).segment(c, block);
      const float norm = v.norm();
      if (norm > 0.0f) v /= norm;
    }
  }
}

}  // namespace bertcpp
