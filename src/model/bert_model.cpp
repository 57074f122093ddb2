#include "model/eigen.h"  // first: fixes EIGEN_USE_BLAS for everything below

#include <bertcpp/model/bert_model.h>
#include <bertcpp/model/weights.h>

#include "model/kernels.h"
#include "model/parallel.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace bertcpp {

namespace {

using detail::ConstStridedRows;
using detail::StridedRows;

std::string str(int64_t v) { return std::to_string(v); }

// Everything forward() reads from the batch is checked before any arithmetic.
void validate(const TokenBatch& batch, const BertConfig& config) {
  const size_t n = batch.ids.size();
  if (batch.type_ids.size() != n || batch.positions.size() != n) {
    throw std::invalid_argument("TokenBatch: " + str(n) + " ids but " + str(batch.type_ids.size()) +
                                " type ids and " + str(batch.positions.size()) + " positions");
  }
  if (batch.offsets.empty() || batch.offsets.front() != 0 || batch.offsets.back() != static_cast<int64_t>(n)) {
    throw std::invalid_argument("TokenBatch: offsets must start at 0 and end at num_tokens (" + str(n) + ")");
  }
  for (size_t s = 0; s + 1 < batch.offsets.size(); ++s) {
    if (batch.offsets[s + 1] <= batch.offsets[s]) {
      throw std::invalid_argument("TokenBatch: sequence " + str(s) + " is empty or its offsets decrease (" +
                                  str(batch.offsets[s]) + " -> " + str(batch.offsets[s + 1]) + ")");
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (batch.ids[i] < 0 || batch.ids[i] >= config.vocab_size) {
      throw std::invalid_argument("token id " + str(batch.ids[i]) + " at token " + str(i) +
                                  " is outside the vocabulary [0, " + str(config.vocab_size) + ")");
    }
    if (batch.type_ids[i] < 0 || batch.type_ids[i] >= config.type_vocab_size) {
      throw std::invalid_argument("token type id " + str(batch.type_ids[i]) + " at token " + str(i) +
                                  " is outside [0, type_vocab_size = " + str(config.type_vocab_size) + ")");
    }
    if (batch.positions[i] < 0 || batch.positions[i] >= config.max_position_embeddings) {
      throw std::invalid_argument("position " + str(batch.positions[i]) + " at token " + str(i) +
                                  " is outside [0, max_position_embeddings = " +
                                  str(config.max_position_embeddings) + ")");
    }
  }
}

// y = x W^T: one GEMM, W used in place as the transposed operand.
void linear(const RowMatrix& x, const LinearWeights& l, RowMatrix& y) {
  y.resize(x.rows(), l.out);
  y.noalias() = x * l.w().transpose();
}

}  // namespace

BertModel::BertModel(BertConfig config, std::shared_ptr<const BertWeights> weights)
    : config_(std::move(config)), weights_(std::move(weights)) {
  if (!weights_) throw std::invalid_argument("BertModel: weights are null");
  if (static_cast<int>(weights_->layers.size()) != config_.num_hidden_layers) {
    throw std::invalid_argument("BertModel: weights have " + str(weights_->layers.size()) +
                                " layers but the config says num_hidden_layers = " + str(config_.num_hidden_layers));
  }
}

bool BertModel::has_mlm_head() const { return weights_->mlm.has_value(); }
bool BertModel::has_nsp_head() const { return weights_->nsp.has_value(); }

namespace {

// Sequences [first, end) of a batch: the unit one thread runs through every layer on its own.
struct SequenceGroup {
  size_t first = 0, end = 0;
};

// Up to `threads` contiguous groups with about equal token counts. Sequences never interact,
// so each group runs the whole encoder without waiting for the others.
std::vector<SequenceGroup> split_by_tokens(const TokenBatch& batch, int threads) {
  const size_t S = batch.num_sequences();
  const size_t groups = std::min<size_t>(S, static_cast<size_t>(std::max(threads, 1)));
  std::vector<SequenceGroup> out;
  const double per_group = static_cast<double>(batch.num_tokens()) / static_cast<double>(groups);
  size_t first = 0;
  for (size_t g = 0; g < groups; ++g) {
    size_t end = first + 1;
    const double target = per_group * static_cast<double>(g + 1);
    while (end < S && S - end > groups - g - 1 && static_cast<double>(batch.offsets[end]) < target) ++end;
    if (g + 1 == groups) end = S;
    out.push_back({first, end});
    first = end;
  }
  return out;
}

// Embeddings and `num_layers` layers for one group's tokens. `record(i, hidden)` receives the
// embeddings output (i = 0) and each layer's output (i = layer + 1) when keep_all; otherwise
// only the last, after which `hidden` is not touched again (it may be moved from). The workspace is allocated once and reused by every layer.
template <typename Record>
void run_group(const BertConfig& config, const BertWeights& w, const TokenBatch& batch, SequenceGroup group,
               int num_layers, bool keep_all, Record&& record) {
  const Eigen::Index H = config.hidden_size;
  const Eigen::Index heads = config.num_attention_heads;
  const Eigen::Index d = config.head_size();
  const float eps = config.layer_norm_eps;
  const int64_t t0 = batch.offsets[group.first];
  const Eigen::Index T = batch.offsets[group.end] - t0;

  // Embeddings: word + position + type, then LayerNorm.
  RowMatrix hidden(T, H);
  using ConstRow = Eigen::Map<const Eigen::Array<float, 1, Eigen::Dynamic>>;
  for (Eigen::Index t = 0; t < T; ++t) {
    const size_t k = static_cast<size_t>(t0 + t);
    hidden.row(t).array() = ConstRow(w.word_embeddings + int64_t{batch.ids[k]} * H, H) +
                            ConstRow(w.position_embeddings + int64_t{batch.positions[k]} * H, H) +
                            ConstRow(w.token_type_embeddings + int64_t{batch.type_ids[k]} * H, H);
  }
  detail::add_bias_layer_norm(hidden, nullptr, w.embeddings_norm, eps);
  if (keep_all || num_layers == 0) record(0, hidden);

  int64_t max_len = 0;
  for (size_t s = group.first; s < group.end; ++s) max_len = std::max(max_len, batch.length(s));
  RowMatrix qkv(T, 3 * H), context(T, H), attention(T, H), intermediate(T, config.intermediate_size);
  RowMatrix scores(max_len, max_len);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));

  for (int li = 0; li < num_layers; ++li) {
    const BertLayerWeights& L = w.layers[static_cast<size_t>(li)];
    linear(hidden, L.qkv, qkv);
    qkv.rowwise() += L.qkv.b();

    // Self-attention per (sequence, head) on that sequence's own tokens: no padding, no mask.
    for (size_t s = group.first; s < group.end; ++s) {
      const Eigen::Index begin = batch.offsets[s] - t0;
      const Eigen::Index len = batch.length(s);
      for (Eigen::Index h = 0; h < heads; ++h) {
        const float* row0 = qkv.data() + begin * 3 * H + h * d;
        const ConstStridedRows q(row0, len, d, Eigen::OuterStride<>(3 * H));
        const ConstStridedRows k(row0 + H, len, d, Eigen::OuterStride<>(3 * H));
        const ConstStridedRows v(row0 + 2 * H, len, d, Eigen::OuterStride<>(3 * H));
        StridedRows p(scores.data(), len, len, Eigen::OuterStride<>(len));
        p.noalias() = q * k.transpose();
        detail::scaled_softmax_rows(p, scale);
        StridedRows ctx(context.data() + begin * H + h * d, len, d, Eigen::OuterStride<>(H));
        ctx.noalias() = p * v;
      }
    }

    linear(context, L.attention_output, attention);
    detail::add_bias_residual_layer_norm(attention, L.attention_output.bias, hidden, L.attention_norm, eps);
    linear(attention, L.intermediate, intermediate);
    detail::add_bias_activation(intermediate, L.intermediate.bias, config.hidden_act);
    linear(intermediate, L.output, hidden);  // the layer's input is no longer needed
    detail::add_bias_residual_layer_norm(hidden, L.output.bias, attention, L.output_norm, eps);
    if (keep_all || li + 1 == num_layers) record(li + 1, hidden);
  }
}

}  // namespace

ForwardOutput BertModel::forward(const TokenBatch& batch, const ForwardOptions& options) const {
  validate(batch, config_);
  const int total_layers = config_.num_hidden_layers;
  const int num_layers = options.num_layers < 0 ? total_layers : options.num_layers;
  if (num_layers > total_layers || options.num_layers < -1) {
    throw std::invalid_argument("ForwardOptions::num_layers = " + str(options.num_layers) +
                                " is outside [-1, num_hidden_layers = " + str(total_layers) + "]");
  }
  if (options.compute_pooler && !weights_->pooler) {
    throw std::runtime_error("compute_pooler: the checkpoint has no pooler (pooler.dense.weight)");
  }
  const int threads = detail::resolve_threads(options.threads);
  const std::vector<SequenceGroup> groups = split_by_tokens(batch, threads);
  // Our threads split the sequences; BLAS gets the threads left over (all of them for one
  // long sequence, none when every thread has its own group), so the two never compete.
  detail::set_blas_threads(std::max(1, threads / static_cast<int>(groups.size())));

  const Eigen::Index T = static_cast<Eigen::Index>(batch.num_tokens());
  const Eigen::Index H = config_.hidden_size;
  const bool keep_all = options.output_hidden_states;
  ForwardOutput out;
  out.hidden_states.assign(keep_all ? static_cast<size_t>(num_layers) + 1 : 1, RowMatrix());

  if (groups.size() == 1) {
    // One group owns every row: its last hidden state is moved out, not copied.
    run_group(config_, *weights_, batch, groups[0], num_layers, keep_all, [&](int index, RowMatrix& hidden) {
      if (keep_all) {
        out.hidden_states[static_cast<size_t>(index)] = hidden;
      } else {
        out.hidden_states[0] = std::move(hidden);
      }
    });
  } else {
    for (RowMatrix& m : out.hidden_states) m.resize(T, H);
    detail::parallel_for(groups.size(), static_cast<int>(groups.size()), [&](size_t g, int) {
      const Eigen::Index t0 = batch.offsets[groups[g].first];
      run_group(config_, *weights_, batch, groups[g], num_layers, keep_all, [&](int index, RowMatrix& hidden) {
        out.hidden_states[keep_all ? static_cast<size_t>(index) : 0].middleRows(t0, hidden.rows()) = hidden;
      });
    });
  }

  if (options.compute_pooler) {
    const RowMatrix& last = out.hidden_states.back();
    const size_t S = batch.num_sequences();
    RowMatrix first(static_cast<Eigen::Index>(S), H);
    for (size_t s = 0; s < S; ++s) first.row(static_cast<Eigen::Index>(s)) = last.row(batch.offsets[s]);
    linear(first, *weights_->pooler, out.pooler_output);
    out.pooler_output.rowwise() += weights_->pooler->b();
    out.pooler_output = out.pooler_output.array().tanh().matrix();
  }
  return out;
}

}  // namespace bertcpp
