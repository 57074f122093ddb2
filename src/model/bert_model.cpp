#include <Eigen/Core>

#include <bertcpp/detail/model/bert_model.h>
#include <bertcpp/detail/model/weights.h>

#include "kernels/kernels.h"
#include "model/attention.h"
#include "model/row_ops.h"
#include "runtime/parallel.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bertcpp {

namespace {

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

// y = x W^T + b (W row-major [out, in], read in place): the pooler's product, off the hot path.
// Row by row: Eigen picks another product (and summation order) for one row than for many,
// and a sequence's pooler output must not depend on the batch it came in.
void linear(const RowMatrix& x, const LinearWeights& l, RowMatrix& y) {
  y.resize(x.rows(), l.out);
  for (Eigen::Index r = 0; r < x.rows(); ++r) y.row(r).noalias() = x.row(r) * l.w().transpose();
  y.rowwise() += l.b();
}

// y = act(x W^T + b) through a layer's packed weight; `threads` split its output columns.
void dense(const RowMatrix& x, const PackedLinear& l, RowMatrix& y, int threads,
           std::optional<Activation> activation = std::nullopt) {
  y.resize(x.rows(), l.out());
  l.apply(x.data(), x.cols(), x.rows(), y.data(), y.cols(), threads, activation);
}

// The same for a y that only the next product reads (the feed-forward's intermediate): its
// rows get the stride that product reads fastest (kernels.h), so it does not copy them; the
// columns past l.out() are never written nor read.
void dense_for_product(const RowMatrix& x, const PackedLinear& l, RowMatrix& y, int threads,
                       std::optional<Activation> activation) {
  y.resize(x.rows(), kernels::unaliased_stride(l.out(), sizeof(float)));
  l.apply(x.data(), x.cols(), x.rows(), y.data(), y.cols(), threads, activation);
}

// Several projections of one input written side by side into one matrix (Q|K|V): each
// product writes its own block of columns, no fused weight copy; x is prepared once for all.
void dense_side_by_side(const RowMatrix& x, std::initializer_list<const PackedLinear*> parts, RowMatrix& y,
                        int threads) {
  y.resize(x.rows(), (*parts.begin())->out() * static_cast<Eigen::Index>(parts.size()));
  PackedLinear::apply_side_by_side(parts, x.data(), x.cols(), x.rows(), y.data(), y.cols(), threads);
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

// Attention's products in bfloat16 where the layers' products are reduced too (attention.h).
bool bf16_attention(const BertLayerWeights& layer) { return layer.query.precision() != Precision::Float32; }

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

// One layer for the first token of each sequence only (ForwardOptions::first_token_only).
// Keys and values come from every token, since the first token attends to all of them; the
// query, the attention output and the feed-forward run on one row per sequence.
// `hidden` [T, H] in, [sequences, H] out.
void first_token_layer(const BertConfig& config, const BertLayerWeights& L, const TokenBatch& batch,
                       SequenceGroup group, int threads, RowMatrix& hidden) {
  const Eigen::Index H = config.hidden_size;
  const Eigen::Index heads = config.num_attention_heads;
  const Eigen::Index d = config.head_size();
  const float eps = config.layer_norm_eps;
  const int64_t t0 = batch.offsets[group.first];
  const auto G = static_cast<Eigen::Index>(group.end - group.first);

  RowMatrix first(G, H);
  for (Eigen::Index j = 0; j < G; ++j) first.row(j) = hidden.row(batch.offsets[group.first + j] - t0);
  RowMatrix q, kv;
  dense(first, L.query, q, threads);
  dense_side_by_side(hidden, {&L.key, &L.value}, kv, threads);

  RowMatrix context(G, H);
  int64_t max_len = 0;
  for (size_t s = group.first; s < group.end; ++s) max_len = std::max(max_len, batch.length(s));
  detail::AttentionScratch scratch(max_len, d, bf16_attention(L));
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  for (Eigen::Index j = 0; j < G; ++j) {
    const Eigen::Index begin = batch.offsets[group.first + j] - t0;
    const float* kv_row0 = kv.data() + begin * 2 * H;
    for (Eigen::Index h = 0; h < heads; ++h) {
      detail::attend(q.data() + j * H + h * d, H, 1, kv_row0 + h * d, kv_row0 + H + h * d, 2 * H,
                     batch.length(group.first + j), d, scale, scratch, context.data() + j * H + h * d, H,
                     bf16_attention(L));
    }
  }

  RowMatrix attention, intermediate;
  dense(context, L.attention_output, attention, threads);
  detail::add_residual_layer_norm(attention, first, L.attention_norm, eps, threads);
  dense_for_product(attention, L.intermediate, intermediate, threads, config.hidden_act);
  dense(intermediate, L.output, hidden, threads);
  detail::add_residual_layer_norm(hidden, attention, L.output_norm, eps, threads);
}

// Embeddings and `num_layers` layers for one group's tokens. `record(i, hidden)` receives the
// embeddings output (i = 0) and each layer's output (i = layer + 1) when keep_all; otherwise
// only the last, after which `hidden` is not touched again (it may be moved from). The
// workspace is allocated once and reused by every layer. `threads` > 1 (a group with cores to
// spare, e.g. a lone sequence) splits each product's output columns and attention's
// (sequence, head) pairs over that many threads: small per-head products scale better side
// by side than each split in two.
template <typename Record>
void run_group(const BertConfig& config, const BertWeights& w, const TokenBatch& batch, SequenceGroup group,
               int num_layers, bool keep_all, bool first_token_only, int threads, Record&& record) {
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
  detail::layer_norm(hidden, w.embeddings_norm, eps, threads);
  if (first_token_only && num_layers == 0) {  // no layer to shorten: the embeddings' first rows
    RowMatrix first(static_cast<Eigen::Index>(group.end - group.first), H);
    for (size_t s = group.first; s < group.end; ++s) {
      first.row(static_cast<Eigen::Index>(s - group.first)) = hidden.row(batch.offsets[s] - t0);
    }
    record(0, first);
    return;
  }
  if (keep_all || num_layers == 0) record(0, hidden);

  int64_t max_len = 0;
  for (size_t s = group.first; s < group.end; ++s) max_len = std::max(max_len, batch.length(s));
  RowMatrix qkv(T, 3 * H), context(T, H), attention(T, H), intermediate;
  const size_t pairs = (group.end - group.first) * static_cast<size_t>(heads);
  const int workers = static_cast<int>(std::min<size_t>(pairs, static_cast<size_t>(std::max(threads, 1))));
  std::vector<detail::AttentionScratch> scratch;
  const bool any_bf16 = std::any_of(w.layers.begin(), w.layers.begin() + num_layers, bf16_attention);
  for (int i = 0; i < workers; ++i) scratch.emplace_back(max_len, d, any_bf16);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));

  for (int li = 0; li < num_layers; ++li) {
    const BertLayerWeights& L = w.layers[static_cast<size_t>(li)];
    if (first_token_only && li + 1 == num_layers) {
      first_token_layer(config, L, batch, group, threads, hidden);
      record(li + 1, hidden);
      break;
    }
    dense_side_by_side(hidden, {&L.query, &L.key, &L.value}, qkv, threads);

    // Self-attention per (sequence, head) on that sequence's own tokens: no padding, no mask.
    runtime::parallel_ranges(pairs, workers, [&](size_t first_pair, size_t end_pair, int worker) {
      for (size_t pair = first_pair; pair < end_pair; ++pair) {
        const size_t s = group.first + pair / static_cast<size_t>(heads);
        const Eigen::Index h = static_cast<Eigen::Index>(pair % static_cast<size_t>(heads));
        const Eigen::Index begin = batch.offsets[s] - t0;
        const float* q = qkv.data() + begin * 3 * H + h * d;
        detail::attend(q, 3 * H, batch.length(s), q + H, q + 2 * H, 3 * H, batch.length(s), d, scale,
                       scratch[static_cast<size_t>(worker)], context.data() + begin * H + h * d, H, bf16_attention(L));
      }
    });

    dense(context, L.attention_output, attention, threads);
    detail::add_residual_layer_norm(attention, hidden, L.attention_norm, eps, threads);
    dense_for_product(attention, L.intermediate, intermediate, threads, config.hidden_act);
    dense(intermediate, L.output, hidden, threads);  // the layer's input is no longer needed
    detail::add_residual_layer_norm(hidden, attention, L.output_norm, eps, threads);
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
  const int threads = runtime::resolve_threads(options.threads);
  const std::vector<SequenceGroup> groups = split_by_tokens(batch, threads);

  const Eigen::Index T = static_cast<Eigen::Index>(batch.num_tokens());
  const Eigen::Index H = config_.hidden_size;
  const bool keep_all = options.output_hidden_states;
  const bool first_only = options.first_token_only;
  const auto S = static_cast<Eigen::Index>(batch.num_sequences());
  ForwardOutput out;
  out.hidden_states.assign(keep_all ? static_cast<size_t>(num_layers) + 1 : 1, RowMatrix());

  if (groups.size() == 1) {
    // One group owns every row: its last hidden state is moved out, not copied.
    run_group(config_, *weights_, batch, groups[0], num_layers, keep_all, first_only, threads, [&](int index, RowMatrix& hidden) {
      if (keep_all) {
        out.hidden_states[static_cast<size_t>(index)] = hidden;
      } else {
        out.hidden_states[0] = std::move(hidden);
      }
    });
  } else {
    for (RowMatrix& m : out.hidden_states) m.resize(T, H);
    if (first_only) out.hidden_states.back().resize(S, H);
    const int threads_per_group = std::max(1, threads / static_cast<int>(groups.size()));
    runtime::parallel_for(groups.size(), static_cast<int>(groups.size()), [&](size_t g, int) {
      const Eigen::Index t0 = batch.offsets[groups[g].first];
      run_group(config_, *weights_, batch, groups[g], num_layers, keep_all, first_only, threads_per_group,
                [&](int index, RowMatrix& hidden) {
        RowMatrix& target = out.hidden_states[keep_all ? static_cast<size_t>(index) : 0];
        // A first-token-only state has a row per sequence, the others a row per token.
        const bool per_sequence = first_only && index == num_layers;
        target.middleRows(per_sequence ? static_cast<Eigen::Index>(groups[g].first) : t0, hidden.rows()) = hidden;
      });
    });
  }

  if (options.compute_pooler) {
    const RowMatrix& last = out.hidden_states.back();
    RowMatrix first(S, H);
    for (Eigen::Index s = 0; s < S; ++s) first.row(s) = last.row(first_only ? s : batch.offsets[s]);
    linear(first, *weights_->pooler, out.pooler_output);
    out.pooler_output = out.pooler_output.array().tanh().matrix();
  }
  return out;
}

}  // namespace bertcpp
