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
  detail::set_blas_threads(threads);

  const BertWeights& w = *weights_;
  const Eigen::Index T = static_cast<Eigen::Index>(batch.num_tokens());
  const Eigen::Index H = config_.hidden_size;
  const Eigen::Index heads = config_.num_attention_heads;
  const Eigen::Index d = config_.head_size();
  const float eps = config_.layer_norm_eps;
  const size_t S = batch.num_sequences();
  ForwardOutput out;

  // Embeddings: word + position + type, then LayerNorm, in one pass over the tokens.
  RowMatrix hidden(T, H);
  {
    using ConstRow = Eigen::Map<const Eigen::Array<float, 1, Eigen::Dynamic>>;
    for (Eigen::Index t = 0; t < T; ++t) {
      hidden.row(t).array() = ConstRow(w.word_embeddings + int64_t{batch.ids[t]} * H, H) +
                              ConstRow(w.position_embeddings + int64_t{batch.positions[t]} * H, H) +
                              ConstRow(w.token_type_embeddings + int64_t{batch.type_ids[t]} * H, H);
    }
    detail::add_bias_layer_norm(hidden, nullptr, w.embeddings_norm, eps);
  }
  if (options.output_hidden_states) out.hidden_states.push_back(hidden);

  // The workspace: allocated once per call, reused by every layer.
  int64_t max_len = 0;
  for (size_t s = 0; s < S; ++s) max_len = std::max(max_len, batch.length(s));
  RowMatrix qkv(T, 3 * H), context(T, H), attention(T, H), intermediate(T, config_.intermediate_size);
  const int workers = std::max(1, std::min<int>(threads, static_cast<int>(S * heads)));
  std::vector<RowMatrix> scores(static_cast<size_t>(workers), RowMatrix(max_len, max_len));
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));

  for (int li = 0; li < num_layers; ++li) {
    const BertLayerWeights& L = w.layers[static_cast<size_t>(li)];
    linear(hidden, L.qkv, qkv);
    qkv.rowwise() += L.qkv.b();

    // Self-attention per (sequence, head) on that sequence's own tokens: no padding, no mask.
    detail::parallel_for(S * static_cast<size_t>(heads), workers, [&](size_t pair, int worker) {
      const size_t s = pair / static_cast<size_t>(heads);
      const Eigen::Index h = static_cast<Eigen::Index>(pair % static_cast<size_t>(heads));
      const Eigen::Index begin = batch.offsets[s];
      const Eigen::Index len = batch.length(s);
      const float* row0 = qkv.data() + begin * 3 * H + h * d;
      const ConstStridedRows q(row0, len, d, Eigen::OuterStride<>(3 * H));
      const ConstStridedRows k(row0 + H, len, d, Eigen::OuterStride<>(3 * H));
      const ConstStridedRows v(row0 + 2 * H, len, d, Eigen::OuterStride<>(3 * H));
      StridedRows p(scores[static_cast<size_t>(worker)].data(), len, len, Eigen::OuterStride<>(len));
      p.noalias() = q * k.transpose();
      detail::scaled_softmax_rows(p, scale);
      StridedRows ctx(context.data() + begin * H + h * d, len, d, Eigen::OuterStride<>(H));
      ctx.noalias() = p * v;
    });

    linear(context, L.attention_output, attention);
    detail::add_bias_residual_layer_norm(attention, L.attention_output.bias, hidden, L.attention_norm, eps);
    linear(attention, L.intermediate, intermediate);
    detail::add_bias_activation(intermediate, L.intermediate.bias, config_.hidden_act);
    linear(intermediate, L.output, hidden);  // the layer's input is no longer needed
    detail::add_bias_residual_layer_norm(hidden, L.output.bias, attention, L.output_norm, eps);
    if (options.output_hidden_states) out.hidden_states.push_back(hidden);
  }

  if (options.compute_pooler) {
    RowMatrix first(static_cast<Eigen::Index>(S), H);
    for (size_t s = 0; s < S; ++s) first.row(static_cast<Eigen::Index>(s)) = hidden.row(batch.offsets[s]);
    linear(first, *w.pooler, out.pooler_output);
    out.pooler_output.rowwise() += w.pooler->b();
    out.pooler_output = out.pooler_output.array().tanh().matrix();
  }
  if (!options.output_hidden_states) out.hidden_states.push_back(std::move(hidden));
  return out;
}

}  // namespace bertcpp
