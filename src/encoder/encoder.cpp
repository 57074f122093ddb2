#include <Eigen/Core>

#include <bertcpp/encoder.h>

#include "encoder/batching.h"
#include "encoder/model_dir.h"

#include <bertcpp/detail/encoder/modules.h>
#include <bertcpp/detail/heads/classifier.h>
#include <bertcpp/detail/encoder/dense.h>
#include <bertcpp/detail/model/bert_model.h>
#include <bertcpp/detail/model/family.h>
#include <bertcpp/detail/model/weights.h>
#include <bertcpp/detail/tokenizer/folder.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>

namespace bertcpp {

namespace {

std::string str(size_t v) { return std::to_string(v); }

// The batch of encodings[indices], packed without copying their tokens and offsets; positions
// and token types as the model's family has them (model/family.h).
TokenBatch pack(const std::vector<Encoding>& encodings, const std::vector<size_t>& indices, const ModelFamily& family,
                const BertConfig& config) {
  const int32_t first_position = family.position_offset(config);
  TokenBatch batch;
  batch.offsets.push_back(0);
  for (size_t i : indices) {
    const Encoding& e = encodings[i];
    batch.ids.insert(batch.ids.end(), e.ids.begin(), e.ids.end());
    if (e.type_ids.empty() || !family.uses_token_types) {
      batch.type_ids.insert(batch.type_ids.end(), e.ids.size(), 0);
    } else if (e.type_ids.size() == e.ids.size()) {
      batch.type_ids.insert(batch.type_ids.end(), e.type_ids.begin(), e.type_ids.end());
    } else {
      throw InputError(i, "has " + str(e.ids.size()) + " ids but " + str(e.type_ids.size()) + " type ids");
    }
    for (size_t t = 0; t < e.ids.size(); ++t) batch.positions.push_back(first_position + static_cast<int32_t>(t));
    batch.offsets.push_back(static_cast<int64_t>(batch.ids.size()));
  }
  return batch;
}

// bert-as-service's layer numbering: -1 is the last encoder layer, k >= 0 is layer k (0-based).
// Returns the hidden_states index (0 = embeddings, N = last layer).
int hidden_state_index(int layer, int num_layers) { return encoder_layer(layer, num_layers, "pooling layer") + 1; }

// Ids index the word embeddings: a vocab larger than the matrix would read past it, so it
// belongs to another model. A smaller one is how added tokens and resized embeddings look
// (transformers loads those): every id the tokenizer makes is then inside the matrix.
void check_vocab(const Vocab& vocab, const BertConfig& config) {
  if (vocab.size() > static_cast<size_t>(config.vocab_size)) {
    throw std::runtime_error(vocab.source() + " has " + str(vocab.size()) + " tokens but the model's word embeddings have " +
                             std::to_string(config.vocab_size) +
                             " rows (vocab_size in the config): ids past the matrix would be read, so the vocabulary "
                             "does not belong to this model");
  }
}

// A single text's encoding ([CLS] A [SEP], one type) longer than `limit`, as windows of `limit`
// tokens: each [first] chunk [last], chunks of limit - 2 content tokens overlapping by `overlap`.
std::vector<Encoding> windows_of(const Encoding& e, size_t limit, size_t overlap, size_t index) {
  for (int32_t type : e.type_ids)
    if (type != 0)
      throw std::invalid_argument("input " + str(index) + " is a text pair of " + str(e.size()) +
                                  " tokens: window mode splits single texts only");
  const size_t content = e.size() - 2, width = limit - 2;
  const size_t step = width - std::min(overlap, width - 1);
  std::vector<Encoding> windows;
  for (size_t begin = 0;; begin += step) {
    const size_t end = std::min(begin + width, content);
    Encoding w;
    w.ids.push_back(e.ids.front());
    w.ids.insert(w.ids.end(), e.ids.begin() + 1 + begin, e.ids.begin() + 1 + end);
    w.ids.push_back(e.ids.back());
    w.type_ids.assign(w.ids.size(), 0);
    w.attention_mask.assign(w.ids.size(), 1);
    windows.push_back(std::move(w));
    if (end == content) break;
  }
  return windows;
}

}  // namespace

LongText parse_long_text(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "truncate") return LongText::Truncate;
  if (lower == "error") return LongText::Error;
  if (lower == "window") return LongText::Window;
  throw std::invalid_argument("long_text \"" + name + "\" is not one of truncate, error, window");
}

const char* to_string(LongText mode) {
  switch (mode) {
    case LongText::Truncate: return "truncate";
    case LongText::Error: return "error";
    case LongText::Window: return "window";
  }
  return "?";
}

Encoder::Encoder(EncoderOptions options) : options_(std::move(options)) {
  if (options_.model_dir.empty()) {
    options_.model_dir = default_model_dir();
    const char* env = std::getenv("BERTCPP_MODEL_DIR");
    std::error_code ec;
    if (env != nullptr && *env != '\0' && !std::filesystem::is_directory(options_.model_dir, ec))
      throw std::runtime_error("BERTCPP_MODEL_DIR=" + options_.model_dir +
                               " is not a model directory (unset it to use the bundled model)");
    if (!std::filesystem::is_directory(options_.model_dir, ec)) {
      std::string places;
      for (const std::string& dir : detail::bundled_model_candidates()) places += "\n  " + dir;
      throw std::runtime_error("no model_dir given, and the bundled model is in none of the places looked:" + places +
                               "\nset EncoderOptions::model_dir or BERTCPP_MODEL_DIR to a model folder");
    }
  }
  if (is_sentence_transformers_folder(options_.model_dir)) modules_ = std::make_shared<const SentenceModules>(read_sentence_modules(options_.model_dir));
  const std::string dir = modules_ ? modules_->transformer_dir : options_.model_dir;
  model_ = std::make_shared<const BertModel>(BertModel::load(dir, options_.precision, options_.float_layers));
  // vocab.txt and/or tokenizer.json; normalizer steps run when both the options and the folder ask.
  Tokenizer tokenizer = load_folder_tokenizer(dir, options_.tokenizer);
  // sentence_bert_config.json's do_lower_case: sentence-transformers lower-cases the text itself
  // before a (cased) tokenizer sees it; lower-casing in the normalizer does the same, with the
  // tokenizer's own accent handling kept.
  if (modules_ && modules_->do_lower_case.value_or(false) && !tokenizer.options().lowercase &&
      options_.tokenizer.lowercase) {
    TokenizerOptions lowered = tokenizer.options();
    lowered.strip_accents = lowered.strip_accents.value_or(false);
    lowered.lowercase = true;
    tokenizer = Tokenizer(tokenizer.vocab(), lowered);
  }
  tokenizer_ = std::make_shared<const Tokenizer>(std::move(tokenizer));
  options_.tokenizer = tokenizer_->options();
  resolve();
}

Encoder::Encoder(std::shared_ptr<const BertModel> model, std::shared_ptr<const Tokenizer> tokenizer,
                 EncoderOptions options)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), options_(std::move(options)) {
  if (!model_ || !tokenizer_) throw std::invalid_argument("Encoder: model and tokenizer must not be null");
  options_.tokenizer = tokenizer_->options();
  // The chain of a sentence-transformers folder named by model_dir applies to the given model too.
  if (!options_.model_dir.empty() && is_sentence_transformers_folder(options_.model_dir))
    modules_ = std::make_shared<const SentenceModules>(read_sentence_modules(options_.model_dir));
  resolve();
}

void Encoder::resolve() {
  const BertConfig& config = model_->config();
  const EncoderOptions& o = options_;
  family_ = &family_for(config);
  const std::string dir = modules_ ? modules_->transformer_dir : options_.model_dir;
  // tokenizer_config.json's model_max_length bounds a forward pass too (sentence-transformers'
  // default max_seq_length is the smaller of it and max_position_embeddings).
  if (!dir.empty()) model_max_length_ = read_tokenizer_config(dir).model_max_length;

  if (o.batch_size == 0) throw std::invalid_argument("EncoderOptions::batch_size must be at least 1");
  if (o.threads < 0 || static_cast<size_t>(o.threads) > Tokenizer::kMaxThreads)
    throw std::invalid_argument("threads = " + std::to_string(o.threads) + " is outside [0, " +
                                std::to_string(Tokenizer::kMaxThreads) + "] (0 uses all cores)");
  check_vocab(tokenizer_->vocab(), config);

  // Explicit pooling replaces the folder's chain; normalize alone only overrides its Normalize.
  apply_chain_ = modules_ && !o.pooling && !o.pooling_layers;
  if (o.pooling) pooling_modes_ = {*o.pooling};
  else if (apply_chain_) pooling_modes_ = modules_->pooling.modes;
  else pooling_modes_ = {PoolingStrategy::ReduceMean};
  pooling_layers_ = o.pooling_layers ? *o.pooling_layers : apply_chain_ ? std::vector<int>{-1} : std::vector<int>{-2};
  normalize_ = o.normalize.value_or(false);

  const bool cls_pooled = pooling_modes_ == std::vector<PoolingStrategy>{PoolingStrategy::ClsPooled};
  if (pooling_layers_.empty() && !cls_pooled) throw std::invalid_argument("EncoderOptions::pooling_layers is empty");
  for (int layer : pooling_layers_) hidden_state_index(layer, config.num_hidden_layers);
  if (cls_pooled && !model_->weights().pooler)
    throw std::invalid_argument("pooling CLS_POOLED: the checkpoint has no pooler (pooler.dense.weight)");
  pooled_row_shape(pooling_modes_, 1, 1, 1);  // refuses NONE mixed with other modes

  max_seq_len_ = o.max_seq_len;
  if (!max_seq_len_ && modules_ && modules_->max_seq_length)
    max_seq_len_ = std::min(*modules_->max_seq_length, static_cast<size_t>(config.max_position_embeddings));
  if (o.max_seq_len) {
    const size_t n = *o.max_seq_len;
    if (n < 2 || n > static_cast<size_t>(config.max_position_embeddings)) {
      throw std::invalid_argument("EncoderOptions::max_seq_len = " + str(n) + " is outside [2, " +
                                  "max_position_embeddings = " + std::to_string(config.max_position_embeddings) + "]");
    }
  }
  if (o.long_text == LongText::Window) {
    if (pooling_modes_.front() == PoolingStrategy::None)
      throw std::invalid_argument("long_text = window pools each window; pooling NONE (token vectors) cannot be windowed");
    if (max_tokens() < 3) throw std::invalid_argument("long_text = window needs max_seq_len of at least 3");
    if (o.window_overlap && *o.window_overlap >= max_tokens() - 2)
      throw std::invalid_argument("EncoderOptions::window_overlap = " + str(*o.window_overlap) +
                                  " must be less than a window's " + str(max_tokens() - 2) + " text tokens");
  }

  // A classification head (BertForSequenceClassification) when the checkpoint has one.
  if (!dir.empty() && model_->weights().tensors.count("classifier.weight")) {
    const std::string config_path = find_config(dir);
    std::ifstream in(config_path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (auto head = SequenceClassifier::from_model(*model_, text.str(), config_path))
      classifier_ = std::make_shared<const SequenceClassifier>(std::move(*head));
  }

  if (apply_chain_) {
    const size_t pooled = pooled_row_shape(pooling_modes_, config.hidden_size, pooling_layers_.size(), 0)[0];
    size_t width = pooled;
    for (const PostPoolingStep& step : modules_->after_pooling) {
      if (step.kind != PostPoolingStep::Kind::Dense) continue;
      const DenseModule& d = modules_->dense[step.dense_index];
      if (static_cast<size_t>(d.in_features) != width)
        throw std::runtime_error(d.dir + "/config.json: in_features = " + std::to_string(d.in_features) +
                                 " but the module before it gives vectors of width " + str(width));
      dense_.push_back(std::make_shared<const DenseLayer>(DenseLayer::load(d)));
      width = static_cast<size_t>(d.out_features);
    }
  }

  if (o.truncate_dim) {
    if (pooling_modes_.front() == PoolingStrategy::None)
      throw std::invalid_argument("truncate_dim applies to pooled vectors, not to pooling NONE's token vectors");
    const size_t untruncated = apply_chain_ ? modules_->output_dim(pooled_row_shape(pooling_modes_, config.hidden_size,
                                                                                    pooling_layers_.size(), 0)[0])
                                            : pooled_row_shape(pooling_modes_, config.hidden_size, pooling_layers_.size(), 0)[0];
    if (*o.truncate_dim < 1 || *o.truncate_dim > untruncated)
      throw std::invalid_argument("EncoderOptions::truncate_dim = " + str(*o.truncate_dim) + " is outside [1, " +
                                  str(untruncated) + "] (the model's output width)");
  }

  // Prompts (sentence-transformers): an explicit text, else a named one, else the default.
  prompt_.clear();
  if (o.prompt) {
    prompt_ = *o.prompt;
  } else if (o.prompt_name) {
    if (!modules_ || !modules_->prompts.count(*o.prompt_name)) {
      std::string names;
      if (modules_)
        for (const auto& [name, text] : modules_->prompts) names += (names.empty() ? "" : ", ") + name;
      throw std::invalid_argument("prompt_name \"" + *o.prompt_name + "\" is not one of the model's prompts (" +
                                  (names.empty() ? std::string("it has none") : names) + ")");
    }
    prompt_ = modules_->prompts.at(*o.prompt_name);
  } else if (modules_ && modules_->default_prompt_name) {
    prompt_ = modules_->prompts.at(*modules_->default_prompt_name);
  }
  // ST: prompt_length = len(tokenize(prompt)) - 1, i.e. [CLS] and the prompt's tokens.
  prompt_tokens_ = 0;
  if (!prompt_.empty() && apply_chain_ && !modules_->pooling.include_prompt)
    prompt_tokens_ = tokenizer_->encode(prompt_).size() - 1;
}

size_t Encoder::max_tokens() const {
  if (max_seq_len_) return *max_seq_len_;
  // Positions past the family's offset (RoBERTa's first two are reserved) are what a sequence can use.
  const auto positions =
      static_cast<size_t>(model_->config().max_position_embeddings - family_->position_offset(model_->config()));
  return model_max_length_ ? std::min(*model_max_length_, positions) : positions;
}

std::optional<size_t> Encoder::truncation_length() const {
  switch (options_.long_text) {
    case LongText::Truncate: return max_tokens();
    case LongText::Error: return options_.max_seq_len;
    case LongText::Window: return std::nullopt;
  }
  return std::nullopt;
}

std::vector<size_t> Encoder::output_row_shape(size_t tokens) const {
  std::vector<size_t> shape = pooled_row_shape(pooling_modes_, static_cast<size_t>(model_->config().hidden_size),
                                               pooling_layers_.size(), tokens);
  if (apply_chain_ && shape.size() == 1) shape[0] = modules_->output_dim(shape[0]);
  if (options_.truncate_dim && shape.size() == 1) shape[0] = std::min(shape[0], *options_.truncate_dim);
  return shape;
}

SimilarityFunction Encoder::similarity_function() const {
  return parse_similarity_function(modules_ ? modules_->similarity_fn_name : "cosine");
}

RowMatrix Encoder::similarity(const RowMatrix& a, const RowMatrix& b) const {
  return bertcpp::similarity(a, b, similarity_function());
}

size_t Encoder::dim() const {
  const bool token_level = pooling_modes_.front() == PoolingStrategy::None;
  const std::vector<size_t> shape = output_row_shape(max_seq_len_.value_or(0));
  return token_level ? shape[0] * shape[1] : shape[0];
}

std::string Encoder::describe() const {
  if (apply_chain_) return "sentence-transformers: " + modules_->describe(max_tokens());
  std::string s = "bert-as-service: ";
  for (size_t i = 0; i < pooling_modes_.size(); ++i) s += (i ? "+" : "") + to_string(pooling_modes_[i]);
  s += " of layer";
  s += pooling_layers_.size() > 1 ? "s" : "";
  for (size_t i = 0; i < pooling_layers_.size(); ++i) s += (i ? ", " : " ") + std::to_string(pooling_layers_[i]);
  if (max_seq_len_) s += ", max_seq_len " + str(*max_seq_len_);
  if (normalize_) s += ", normalized";
  return s;
}

std::vector<Encoding> Encoder::tokenize(const std::vector<TextInput>& inputs) const {
  return tokenize_slice(inputs, 0, inputs.size(), false, {});
}

// inputs[first, first + count), prompted, through the tokenizer; a bad input is named by its
// index in `inputs`.
std::vector<Encoding> Encoder::tokenize_slice(const std::vector<TextInput>& inputs, size_t first, size_t count,
                                              bool ids_only, const std::function<bool()>& keep_going) const {
  std::vector<TextInput> texts(inputs.begin() + static_cast<std::ptrdiff_t>(first),
                               inputs.begin() + static_cast<std::ptrdiff_t>(first + count));
  if (!prompt_.empty())
    for (TextInput& in : texts) in.a = prompt_ + in.a;
  BatchOptions batch;
  batch.max_length = truncation_length();
  batch.threads = static_cast<size_t>(options_.threads);
  batch.ids_only = ids_only;
  batch.keep_going = keep_going;
  try {
    std::vector<Encoding> encodings = tokenizer_->encode_batch(texts, batch);
    // Window mode splits single texts; a pair is truncated as in truncate mode.
    if (options_.long_text == LongText::Window) {
      for (size_t i = 0; i < texts.size(); ++i)
        if (texts[i].b && encodings[i].size() > max_tokens()) {
          BatchOptions one = batch;
          one.max_length = max_tokens();
          encodings[i] = std::move(tokenizer_->encode_batch({texts[i]}, one).front());
        }
    }
    return encodings;
  } catch (const InputError& e) {
    throw InputError(first + e.index(), e.detail());
  }
}

RowMatrix Encoder::encode(const std::vector<TextInput>& inputs, const ProgressCallback& progress,
                          const std::function<bool()>& keep_going) const {
  if (inputs.empty()) throw std::invalid_argument("Encoder::encode: the input list is empty");
  // Token vectors without max_seq_len are as long as the call's longest text: that needs all of them first.
  if (pooling_modes_.front() == PoolingStrategy::None && !max_seq_len_)
    return encode_encodings(tokenize_slice(inputs, 0, inputs.size(), true, keep_going), progress);
  RowMatrix result(static_cast<Eigen::Index>(inputs.size()), static_cast<Eigen::Index>(dim()));
  for (size_t first = 0; first < inputs.size(); first += kStreamTexts) {
    const size_t count = std::min(kStreamTexts, inputs.size() - first);
    const std::vector<Encoding> encodings = tokenize_slice(inputs, first, count, true, keep_going);
    // Progress counts texts; in window mode a slice's rows are windows, scaled back to texts.
    result.middleRows(static_cast<Eigen::Index>(first), static_cast<Eigen::Index>(count)) =
        encode_slice(encodings, first, [&](size_t done, size_t total) {
          return !progress || progress(first + done * count / std::max<size_t>(total, 1), inputs.size());
        });
  }
  return result;
}

// Encodings longer than max_tokens() are split into windows (LongText::Window) or refused.
RowMatrix Encoder::encode_encodings(const std::vector<Encoding>& encodings, const ProgressCallback& progress) const {
  if (encodings.empty()) throw std::invalid_argument("Encoder::encode: the input list is empty");
  return encode_slice(encodings, 0, progress);
}

// Whether any encoding needs windows; InputError (index from first_index) for an empty one, or
// one longer than max_tokens() outside window mode.
bool Encoder::check_lengths(const std::vector<Encoding>& encodings, size_t first_index) const {
  const size_t limit = max_tokens();
  const bool window = options_.long_text == LongText::Window;
  bool split = false;
  for (size_t i = 0; i < encodings.size(); ++i) {
    const size_t n = encodings[i].size();
    if (n == 0) throw InputError(first_index + i, "has no tokens");
    if (n > limit && !window) {
      const bool explicit_limit = max_seq_len_.has_value();
      throw InputError(first_index + i, "has " + str(n) + " tokens, more than " +
                                            (explicit_limit ? "max_seq_len = " : "max_position_embeddings = ") + str(limit) +
                                            "; use long_text = truncate (the default) or window");
    }
    if (n > limit) split = true;
  }
  return split;
}

Encoder::Windows Encoder::split_windows(const std::vector<Encoding>& encodings, size_t first_index) const {
  const size_t limit = max_tokens();
  const size_t overlap = options_.window_overlap.value_or((limit - 2) / 4);
  const bool first_is_prompted = prompt_tokens_ > 0;
  Windows w;
  for (size_t i = 0; i < encodings.size(); ++i) {
    if (encodings[i].size() <= limit) {
      w.sequences.push_back(encodings[i]);
      w.owner.push_back(i);
      w.excluded.push_back(first_is_prompted ? static_cast<int64_t>(prompt_tokens_) : 0);
      continue;
    }
    std::vector<Encoding> parts = windows_of(encodings[i], limit, overlap, first_index + i);
    for (size_t p = 0; p < parts.size(); ++p) {
      w.sequences.push_back(std::move(parts[p]));
      w.owner.push_back(i);
      w.excluded.push_back(p == 0 && first_is_prompted ? static_cast<int64_t>(prompt_tokens_) : 0);
    }
  }
  if (prompt_tokens_ == 0) w.excluded.clear();
  return w;
}

std::vector<Encoding> Encoder::model_sequences(const std::vector<Encoding>& encodings, size_t first_index) const {
  return check_lengths(encodings, first_index) ? split_windows(encodings, first_index).sequences : encodings;
}

// Rows for `encodings` (inputs first_index...): pooled, windows merged, the module chain applied.
RowMatrix Encoder::encode_slice(const std::vector<Encoding>& encodings, size_t first_index,
                                const ProgressCallback& progress) const {
  if (!check_lengths(encodings, first_index)) {
    std::vector<int64_t> excluded;
    if (prompt_tokens_ > 0) excluded.assign(encodings.size(), static_cast<int64_t>(prompt_tokens_));
    RowMatrix pooled = pool_encodings(encodings, excluded, progress);
    apply_chain(pooled);
    return pooled;
  }
  // Window mode: long inputs become several rows of `windows`, owner[r] says whose.
  const Windows split = split_windows(encodings, first_index);
  const std::vector<Encoding>& windows = split.sequences;
  const std::vector<size_t>& owner = split.owner;
  const RowMatrix pooled = pool_encodings(windows, split.excluded, progress);

  // Max pooling's columns take the max over windows; every other column the token-weighted mean.
  const Eigen::Index H = model_->config().hidden_size;
  std::vector<bool> is_max(static_cast<size_t>(pooled.cols()), false);
  if (pooling_modes_.front() != PoolingStrategy::ClsPooled) {
    Eigen::Index col = 0;
    for (size_t l = 0; l < pooling_layers_.size(); ++l)
      for (PoolingStrategy s : pooling_modes_) {
        const auto w = static_cast<Eigen::Index>(pooling_mode(s).width_factor) * H;
        for (Eigen::Index c = 0; c < w; ++c)
          is_max[static_cast<size_t>(col + c)] =
              s == PoolingStrategy::ReduceMax || (s == PoolingStrategy::ReduceMeanMax && c >= H);
        col += w;
      }
  }
  RowMatrix result = RowMatrix::Zero(static_cast<Eigen::Index>(encodings.size()), pooled.cols());
  std::vector<double> weight(encodings.size(), 0.0);
  std::vector<bool> seen(encodings.size(), false);
  for (size_t r = 0; r < windows.size(); ++r) {
    const size_t i = owner[r];
    const float w = static_cast<float>(windows[r].size());
    for (Eigen::Index c = 0; c < pooled.cols(); ++c) {
      if (is_max[static_cast<size_t>(c)]) result(i, c) = seen[i] ? std::max(result(i, c), pooled(r, c)) : pooled(r, c);
      else result(i, c) += w * pooled(r, c);
    }
    weight[i] += w;
    seen[i] = true;
  }
  for (size_t i = 0; i < encodings.size(); ++i)
    for (Eigen::Index c = 0; c < result.cols(); ++c)
      if (!is_max[static_cast<size_t>(c)]) result(i, c) = static_cast<float>(result(i, c) / weight[i]);
  apply_chain(result);
  return result;
}

RowMatrix Encoder::predict(const std::vector<TextInput>& inputs, const ProgressCallback& progress) const {
  if (!classifier_)
    throw std::runtime_error(options_.model_dir + ": the checkpoint has no sequence-classification head (classifier.weight)");
  if (inputs.empty()) throw std::invalid_argument("Encoder::predict: the input list is empty");
  return predict_encodings(
      tokenizer_->encode_batch(inputs, max_tokens(), static_cast<size_t>(std::max(options_.threads, 0))), progress);
}

RowMatrix Encoder::predict_encodings(const std::vector<Encoding>& encodings, const ProgressCallback& progress) const {
  if (!classifier_)
    throw std::runtime_error(options_.model_dir + ": the checkpoint has no sequence-classification head (classifier.weight)");
  if (encodings.empty()) throw std::invalid_argument("Encoder::predict: the input list is empty");
  std::vector<size_t> lengths;
  for (const Encoding& e : encodings) lengths.push_back(e.size());
  ForwardOptions forward;
  forward.compute_pooler = true;
  forward.first_token_only = true;  // the pooler reads [CLS] of the last layer only
  forward.threads = options_.threads;
  RowMatrix logits(static_cast<Eigen::Index>(encodings.size()), static_cast<Eigen::Index>(classifier_->num_labels()));
  size_t done = 0;
  for (const std::vector<size_t>& indices : detail::plan_batches(lengths, options_.batch_size, kTokenBudget).batches) {
    const ForwardOutput out = model_->forward(pack(encodings, indices, *family_, model_->config()), forward);
    const RowMatrix batch_logits = classifier_->logits(out.pooler_output);
    for (size_t j = 0; j < indices.size(); ++j) logits.row(indices[j]) = batch_logits.row(j);
    done += indices.size();
    if (progress && !progress(done, encodings.size())) throw Cancelled();
  }
  return logits;
}

std::vector<RankedDocument> Encoder::rerank(const std::string& query, const std::vector<std::string>& documents,
                                            const ProgressCallback& progress) const {
  if (documents.empty()) throw std::invalid_argument("Encoder::rerank: the document list is empty");
  std::vector<TextInput> pairs;
  for (const std::string& d : documents) pairs.push_back({query, d});
  const RowMatrix scores = classifier_ ? classifier_->scores(predict(pairs, progress)) : predict(pairs, progress);
  std::vector<RankedDocument> ranked;
  for (size_t i = 0; i < documents.size(); ++i) ranked.push_back({i, scores(static_cast<Eigen::Index>(i), 0)});
  std::stable_sort(ranked.begin(), ranked.end(), [](const RankedDocument& a, const RankedDocument& b) { return a.score > b.score; });
  return ranked;
}

bool Encoder::normalizes() const {
  if (options_.normalize.has_value()) return *options_.normalize;
  if (!apply_chain_) return false;
  for (const PostPoolingStep& step : modules_->after_pooling) {
    if (step.kind != PostPoolingStep::Kind::Dense) return true;
  }
  return false;
}

void Encoder::apply_chain(RowMatrix& pooled) const {
  if (apply_chain_) {
    size_t dense = 0;
    for (const PostPoolingStep& step : modules_->after_pooling) {
      if (step.kind == PostPoolingStep::Kind::Dense) pooled = dense_[dense++]->apply(pooled);
      else if (!options_.normalize.has_value()) l2_normalize_rows(pooled);  // explicit normalize overrides it
    }
  }
  if (options_.truncate_dim && static_cast<size_t>(pooled.cols()) > *options_.truncate_dim)
    pooled = pooled.leftCols(static_cast<Eigen::Index>(*options_.truncate_dim)).eval();
  if (!normalize_) return;
  // Token vectors are normalized one token at a time, as Python's normalize=True does.
  if (pooling_modes_.front() == PoolingStrategy::None)
    l2_normalize_blocks(pooled, static_cast<Eigen::Index>(model_->config().hidden_size * pooling_layers_.size()));
  else
    l2_normalize_rows(pooled);
}

RowMatrix Encoder::pool_encodings(const std::vector<Encoding>& encodings, const std::vector<int64_t>& excluded,
                                  const ProgressCallback& progress) const {
  const BertConfig& config = model_->config();
  std::vector<size_t> lengths(encodings.size());
  size_t longest = 0;
  for (size_t i = 0; i < encodings.size(); ++i) {
    lengths[i] = encodings[i].size();
    longest = std::max(longest, lengths[i]);
  }

  const int N = config.num_hidden_layers;
  const Eigen::Index H = config.hidden_size;
  const std::vector<PoolingStrategy>& modes = pooling_modes_;
  const bool cls_pooled = modes.front() == PoolingStrategy::ClsPooled;
  const bool tokens_only = modes.front() == PoolingStrategy::None;
  std::vector<int> layer_index;
  for (int layer : pooling_layers_) layer_index.push_back(hidden_state_index(layer, N));
  if (cls_pooled) layer_index = {N};
  const int deepest = *std::max_element(layer_index.begin(), layer_index.end());

  ForwardOptions forward;
  forward.num_layers = deepest;
  forward.compute_pooler = cls_pooled;
  // One layer that is the deepest run is the forward's last output; otherwise keep them all.
  forward.output_hidden_states = !cls_pooled && !(layer_index.size() == 1 && layer_index[0] == deepest);
  forward.threads = options_.threads;
  // CLS pooling reads one token of the deepest layer: that layer computes only first tokens.
  forward.first_token_only = !needs_every_token(modes);

  const auto k = static_cast<Eigen::Index>(layer_index.size());
  const std::vector<size_t> shape =
      pooled_row_shape(modes, static_cast<size_t>(H), layer_index.size(), max_seq_len_.value_or(longest));
  const auto width = static_cast<Eigen::Index>(shape.size() == 2 ? shape[0] * shape[1] : shape[0]);
  RowMatrix result = RowMatrix::Zero(static_cast<Eigen::Index>(encodings.size()), width);

  const detail::BatchPlan plan = detail::plan_batches(lengths, options_.batch_size, kTokenBudget);
  size_t done = 0;
  for (const std::vector<size_t>& indices : plan.batches) {
    const TokenBatch batch = pack(encodings, indices, *family_, config);
    const ForwardOutput out = model_->forward(batch, forward);
    auto hidden_of = [&](int index) -> const RowMatrix& {
      return forward.output_hidden_states ? out.hidden_states[static_cast<size_t>(index)] : out.hidden_states.back();
    };
    std::vector<int64_t> batch_excluded;
    for (size_t i : indices) batch_excluded.push_back(excluded.empty() ? 0 : excluded[i]);

    if (cls_pooled) {
      for (size_t j = 0; j < indices.size(); ++j) result.row(indices[j]) = out.pooler_output.row(j);
    } else if (tokens_only) {
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
      // Layer-major, then the modes in order: [layer 1: mode 1 | mode 2 ...][layer 2: ...].
      Eigen::Index col = 0;
      for (Eigen::Index li = 0; li < k; ++li) {
        for (PoolingStrategy mode : modes) {
          const Eigen::Index w = static_cast<Eigen::Index>(pooling_mode(mode).width_factor) * H;
          // The deepest layer of a first-token-only forward is already one row per sequence.
          const bool first_rows = forward.first_token_only && layer_index[li] == deepest;
          const RowMatrix pooled = first_rows ? hidden_of(layer_index[li])
                                              : pool(hidden_of(layer_index[li]), batch, mode,
                                                     excluded.empty() ? nullptr : &batch_excluded);
          for (size_t j = 0; j < indices.size(); ++j) result.row(indices[j]).segment(col, w) = pooled.row(j);
          col += w;
        }
      }
    }
    done += indices.size();
    if (progress && !progress(done, encodings.size())) throw Cancelled();
  }
  return result;
}

}  // namespace bertcpp
