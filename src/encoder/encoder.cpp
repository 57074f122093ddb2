#include <Eigen/Core>

#include <bertcpp/encoder.h>

#include "encoder/batching.h"
#include "encoder/model_dir.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace bertcpp {

namespace {

// Tokens per forward pass at most: keeps a batch's workspace and attention bounded when
// inputs are long, while short inputs still fill batch_size.
constexpr size_t kTokenBudget = 16384;

std::string str(size_t v) { return std::to_string(v); }

// The batch of encodings[indices], packed without copying their tokens and offsets.
TokenBatch pack(const std::vector<Encoding>& encodings, const std::vector<size_t>& indices) {
  TokenBatch batch;
  batch.offsets.push_back(0);
  for (size_t i : indices) {
    const Encoding& e = encodings[i];
    batch.ids.insert(batch.ids.end(), e.ids.begin(), e.ids.end());
    if (e.type_ids.empty()) {
      batch.type_ids.insert(batch.type_ids.end(), e.ids.size(), 0);
    } else if (e.type_ids.size() == e.ids.size()) {
      batch.type_ids.insert(batch.type_ids.end(), e.type_ids.begin(), e.type_ids.end());
    } else {
      throw std::invalid_argument("input " + str(i) + " has " + str(e.ids.size()) + " ids but " +
                                  str(e.type_ids.size()) + " type ids");
    }
    for (size_t t = 0; t < e.ids.size(); ++t) batch.positions.push_back(static_cast<int32_t>(t));
    batch.offsets.push_back(static_cast<int64_t>(batch.ids.size()));
  }
  return batch;
}

// bert-as-service's layer numbering: -1 is the last encoder layer, k >= 0 is layer k (0-based).
// Returns the hidden_states index (0 = embeddings, N = last layer).
int hidden_state_index(int layer, int num_layers) {
  if (layer < -num_layers || layer >= num_layers) {
    throw std::invalid_argument("pooling layer " + std::to_string(layer) + " is outside [" +
                                std::to_string(-num_layers) + ", " + std::to_string(num_layers - 1) +
                                "] for a model with " + std::to_string(num_layers) + " layers");
  }
  return layer < 0 ? num_layers + 1 + layer : layer + 1;
}

void check_options(const EncoderOptions& options, const BertConfig& config) {
  if (options.batch_size == 0) throw std::invalid_argument("EncoderOptions::batch_size must be at least 1");
  if (options.pooling_layers.empty() && options.pooling != PoolingStrategy::ClsPooled) {
    throw std::invalid_argument("EncoderOptions::pooling_layers is empty");
  }
  for (int layer : options.pooling_layers) hidden_state_index(layer, config.num_hidden_layers);
  if (options.max_seq_len) {
    const size_t n = *options.max_seq_len;
    if (n < 2 || n > static_cast<size_t>(config.max_position_embeddings)) {
      throw std::invalid_argument("EncoderOptions::max_seq_len = " + str(n) + " is outside [2, " +
                                  "max_position_embeddings = " + std::to_string(config.max_position_embeddings) + "]");
    }
  }
}

// Ids index the word embeddings: a vocab larger than the matrix reads past it, a smaller one
// means vocab.txt and the weights come from different models. Either way the vectors would be
// meaningless, so refuse before encoding anything.
void check_vocab(const Vocab& vocab, const BertConfig& config) {
  if (vocab.size() != static_cast<size_t>(config.vocab_size)) {
    throw std::runtime_error(vocab.source() + " has " + str(vocab.size()) + " tokens but the model's word embeddings have " +
                             std::to_string(config.vocab_size) +
                             " rows (vocab_size in the config): the vocabulary does not belong to this model");
  }
}

}  // namespace

Encoder::Encoder(EncoderOptions options) : options_(std::move(options)) {
  if (options_.model_dir.empty()) options_.model_dir = default_model_dir();
  model_ = std::make_shared<const BertModel>(BertModel::load(options_.model_dir, options_.precision));
  TokenizerOptions tokenizer_options = options_.tokenizer;
  // Lower-casing is on only when both the options and the model directory allow it.
  tokenizer_options.lowercase = tokenizer_options.lowercase && detail::model_dir_is_lowercase(options_.model_dir);
  options_.tokenizer = tokenizer_options;
  tokenizer_ = std::make_shared<const Tokenizer>(options_.model_dir + "/vocab.txt", tokenizer_options);
  check_options(options_, model_->config());
  check_vocab(tokenizer_->vocab(), model_->config());
}

Encoder::Encoder(std::shared_ptr<const BertModel> model, std::shared_ptr<const Tokenizer> tokenizer,
                 EncoderOptions options)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), options_(std::move(options)) {
  if (!model_ || !tokenizer_) throw std::invalid_argument("Encoder: model and tokenizer must not be null");
  options_.tokenizer = tokenizer_->options();
  check_options(options_, model_->config());
  check_vocab(tokenizer_->vocab(), model_->config());
}

size_t Encoder::dim() const {
  const size_t H = static_cast<size_t>(model_->config().hidden_size);
  const size_t layers = options_.pooling_layers.size();
  switch (options_.pooling) {
    case PoolingStrategy::ClsPooled: return H;
    case PoolingStrategy::ReduceMeanMax: return 2 * H * layers;
    case PoolingStrategy::None: return options_.max_seq_len ? *options_.max_seq_len * H * layers : 0;
    default: return H * layers;
  }
}

std::vector<Encoding> Encoder::tokenize(const std::vector<TextInput>& inputs) const {
  return tokenizer_->encode_batch(inputs, options_.max_seq_len, static_cast<size_t>(std::max(options_.threads, 0)));
}

RowMatrix Encoder::encode(const std::vector<TextInput>& inputs, const ProgressCallback& progress) const {
  if (inputs.empty()) throw std::invalid_argument("Encoder::encode: the input list is empty");
  return encode_encodings(tokenize(inputs), progress);
}

RowMatrix Encoder::encode_encodings(const std::vector<Encoding>& encodings, const ProgressCallback& progress) const {
  if (encodings.empty()) throw std::invalid_argument("Encoder::encode: the input list is empty");
  const BertConfig& config = model_->config();
  const size_t max_len = options_.max_seq_len ? *options_.max_seq_len
                                              : static_cast<size_t>(config.max_position_embeddings);
  std::vector<size_t> lengths(encodings.size());
  size_t longest = 0;
  for (size_t i = 0; i < encodings.size(); ++i) {
    lengths[i] = encodings[i].size();
    if (lengths[i] == 0) throw std::invalid_argument("input " + str(i) + " has no tokens");
    if (lengths[i] > max_len) {
      throw std::invalid_argument("input " + str(i) + " has " + str(lengths[i]) + " tokens, more than " +
                                  (options_.max_seq_len ? "max_seq_len = " : "max_position_embeddings = ") +
                                  str(max_len) + (options_.max_seq_len ? "" : "; set max_seq_len to truncate"));
    }
    longest = std::max(longest, lengths[i]);
  }

  const int N = config.num_hidden_layers;
  const Eigen::Index H = config.hidden_size;
  const PoolingStrategy strategy = options_.pooling;
  std::vector<int> layer_index;
  for (int layer : options_.pooling_layers) layer_index.push_back(hidden_state_index(layer, N));
  if (strategy == PoolingStrategy::ClsPooled) layer_index = {N};
  const int deepest = *std::max_element(layer_index.begin(), layer_index.end());

  ForwardOptions forward;
  forward.num_layers = deepest;
  forward.compute_pooler = strategy == PoolingStrategy::ClsPooled;
  // One layer that is the deepest run is the forward's last output; otherwise keep them all.
  forward.output_hidden_states = strategy != PoolingStrategy::ClsPooled &&
                                 !(layer_index.size() == 1 && layer_index[0] == deepest);
  forward.threads = options_.threads;
  // CLS pooling reads one token of the deepest layer: that layer computes only first tokens.
  forward.first_token_only = strategy == PoolingStrategy::ClsPooled || strategy == PoolingStrategy::FirstToken;

  const auto k = static_cast<Eigen::Index>(layer_index.size());
  const Eigen::Index per_layer = strategy == PoolingStrategy::ReduceMeanMax ? 2 * H : H;
  const Eigen::Index tokens_out = options_.max_seq_len ? static_cast<Eigen::Index>(*options_.max_seq_len)
                                                       : static_cast<Eigen::Index>(longest);
  const Eigen::Index width = strategy == PoolingStrategy::ClsPooled ? H
                             : strategy == PoolingStrategy::None    ? tokens_out * H * k
                                                                    : per_layer * k;
  RowMatrix result = RowMatrix::Zero(static_cast<Eigen::Index>(encodings.size()), width);

  const detail::BatchPlan plan = detail::plan_batches(lengths, options_.batch_size, kTokenBudget);
  size_t done = 0;
  for (const std::vector<size_t>& indices : plan.batches) {
    const TokenBatch batch = pack(encodings, indices);
    const ForwardOutput out = model_->forward(batch, forward);
    auto hidden_of = [&](int index) -> const RowMatrix& {
      return forward.output_hidden_states ? out.hidden_states[static_cast<size_t>(index)] : out.hidden_states.back();
    };

    if (strategy == PoolingStrategy::ClsPooled) {
      for (size_t j = 0; j < indices.size(); ++j) result.row(indices[j]) = out.pooler_output.row(j);
    } else if (strategy == PoolingStrategy::None) {
      // bert-as-service's layout: token t's vectors (one H block per pooling layer) at t * k * H.
      for (Eigen::Index li = 0; li < k; ++li) {
        const RowMatrix& hidden = hidden_of(layer_index[li]);
        for (size_t j = 0; j < indices.size(); ++j) {
          for (int64_t t = 0; t < batch.length(j); ++t) {
            result.row(indices[j]).segment((t * k + li) * H, H) = hidden.row(batch.offsets[j] + t);
          }
        }
      }
    } else {
      for (Eigen::Index li = 0; li < k; ++li) {
        // The deepest layer of a first-token-only forward is already one row per sequence.
        const bool first_rows = forward.first_token_only && layer_index[li] == deepest;
        const RowMatrix pooled = first_rows ? hidden_of(layer_index[li]) : pool(hidden_of(layer_index[li]), batch, strategy);
        for (size_t j = 0; j < indices.size(); ++j) {
          result.row(indices[j]).segment(li * per_layer, per_layer) = pooled.row(j);
        }
      }
    }
    done += indices.size();
    if (progress && !progress(done, encodings.size())) throw Cancelled();
  }
  if (options_.normalize) l2_normalize_rows(result);
  return result;
}

}  // namespace bertcpp
