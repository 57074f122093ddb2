// Text -> vectors: the whole pipeline behind one call.
//
//   bertcpp::Encoder encoder;                       // the bundled bert-mini-uncased
//   bertcpp::RowMatrix v = encoder.encode({{"I love data science"}, {"We went to the bank"}});
//   // v: [2, 256], REDUCE_MEAN of layer -2, as bert-as-service serves by default
//
// A sentence-transformers folder gives what SentenceTransformer(dir).encode gives:
//   bertcpp::EncoderOptions o;
//   o.model_dir = "all-MiniLM-L6-v2";        // its Pooling, Dense, Normalize, max_seq_length
//   bertcpp::RowMatrix e = bertcpp::Encoder(o).encode({{"A sentence"}});
//
// Inputs are sorted by length and packed into batches under a token budget, so no work is
// spent on padding; results come back in input order, equal whatever the batching.
#pragma once

#include <bertcpp/matrix.h>
#include <bertcpp/pooling/pooling.h>
#include <bertcpp/pooling/quantize.h>
#include <bertcpp/pooling/similarity.h>
#include <bertcpp/tokenizer/errors.h>
#include <bertcpp/tokenizer/tokenizer.h>
#include <bertcpp/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bertcpp {

// The stages behind the Encoder (bertcpp/detail/, not installed): reachable through the
// accessors below for code built with bertcpp's sources, opaque to users of the installed library.
class BertModel;
class DenseLayer;
class SequenceClassifier;
struct ModelFamily;
struct SentenceModules;

// The bundled model directory (models/bert-mini-uncased): $BERTCPP_MODEL_DIR if set, else the
// copy installed with the package (found where the install prefix is now), else the one the
// library was configured with (install prefix, then source tree). Encoder with no model_dir
// throws std::runtime_error naming every place looked when none holds it.
std::string default_model_dir();

namespace detail {
// find_package(bertcpp) defines BERTCPP_PACKAGE_MODEL_DIR as the installed model's path under
// the prefix the package was found in, so a prefix installed with `cmake --install --prefix`
// elsewhere, or moved, still finds its model: programs built with it register that path
// before main. Returns true (it initializes the variable below).
bool register_package_model_dir(const char* path);
#ifdef BERTCPP_PACKAGE_MODEL_DIR
inline const bool package_model_dir_registered = register_package_model_dir(BERTCPP_PACKAGE_MODEL_DIR);
#endif
}  // namespace detail

// What to do with a text longer than the model reads at once (max_tokens()).
enum class LongText {
  Truncate,  // keep the first max_tokens() tokens, as sentence-transformers and bert-as-service do
  Error,     // std::invalid_argument naming the input (only an explicit max_seq_len truncates)
  Window,    // split into overlapping windows of max_tokens(), pool each, then average the windows'
             // vectors weighted by their token counts (max pooling: the max over windows)
};
// "truncate", "error", "window" (case-insensitive); std::invalid_argument listing them.
LongText parse_long_text(const std::string& name);
const char* to_string(LongText mode);

struct EncoderOptions {
  std::string model_dir;  // empty: default_model_dir()
  // Unset: the model folder's choice. A sentence-transformers folder (modules.json) gives its
  // Pooling modes of the last layer, then its Dense and Normalize modules; any other folder
  // bert-as-service's REDUCE_MEAN of layer -2. Setting pooling or pooling_layers replaces the
  // folder's whole chain after the transformer (Pooling, Dense, Normalize).
  std::optional<PoolingStrategy> pooling;
  // bert-as-service's numbering: -1 is the last encoder layer, -2 the one before, k >= 0 is
  // encoder layer k (0-based). Several layers are concatenated in the order given; only the
  // layers up to the deepest one listed are run. CLS_POOLED ignores it (the pooler reads the last).
  std::optional<std::vector<int>> pooling_layers;
  // Tokens per sequence including [CLS]/[SEP]. Unset: the folder's max_seq_length
  // (sentence_bert_config.json), else max_position_embeddings. See long_text.
  std::optional<size_t> max_seq_len;
  LongText long_text = LongText::Truncate;
  // Window mode: tokens shared by neighbouring windows. Unset: a quarter of a window.
  std::optional<size_t> window_overlap;
  int threads = 0;          // 0: all cores; std::invalid_argument below 0 or above Tokenizer::kMaxThreads
  size_t batch_size = 32;   // sequences per forward pass at most
  // L2-normalize each output row. Unset: as the folder's chain says (its Normalize modules), else no.
  std::optional<bool> normalize;
  // float32 (matches transformers), bfloat16 (about twice as fast where the CPU has
  // AVX512_BF16, ~1e-2 off) or int8; see types.h. Used when the Encoder loads the model.
  Precision precision = Precision::Float32;
  // Encoder layers (0-based, negative from the last) kept in float32 under bfloat16 or int8:
  // for a layer whose activations defeat per-row quantization (quantize_check shows where the
  // error grows). std::invalid_argument for a layer the model does not have.
  std::vector<int> float_layers;
  TokenizerOptions tokenizer;  // lowercase etc. follow the vocabulary unless set
  // Keep the first truncate_dim dimensions of each vector (Matryoshka models), after the
  // folder's chain and before an explicit normalize, as sentence-transformers does.
  std::optional<size_t> truncate_dim;
  // Text put before every text (sentence-transformers' prompts): `prompt` itself, else the
  // folder's prompt named `prompt_name`, else its default_prompt_name, else none.
  std::optional<std::string> prompt;
  std::optional<std::string> prompt_name;
};

// Called after each batch with (sequences done, total); return false to cancel, which makes
// encode throw bertcpp::Cancelled.
using ProgressCallback = std::function<bool(size_t done, size_t total)>;

// One document of Encoder::rerank: its index in the list given and its score.
struct RankedDocument {
  size_t index;
  float score;
};

class Encoder {
 public:
  explicit Encoder(EncoderOptions options = {});
  Encoder(std::shared_ptr<const BertModel> model, std::shared_ptr<const Tokenizer> tokenizer,
          EncoderOptions options = {});

  // [n, dim()]. With PoolingStrategy::None: [n, T * k * H] for k pooling layers, token t's
  // vectors at columns [t * k * H, (t + 1) * k * H), zero past each sequence's end, with
  // T = max_seq_len if set, else the longest sequence of this call (bert-as-service's layout).
  // Throws std::invalid_argument for an empty list, bertcpp::InputError naming the input for
  // a bad one. Streams: texts are tokenized kStreamTexts at a time (ids only), so memory is
  // the output plus a bounded working set. keep_going is polled while tokenizing (see
  // BatchOptions); progress after each batch. Either returning false throws bertcpp::Cancelled.
  // Texts longer than max_tokens() are truncated, refused or windowed (EncoderOptions::long_text).
  RowMatrix encode(const std::vector<TextInput>& inputs, const ProgressCallback& progress = {},
                   const std::function<bool()>& keep_going = {}) const;
  RowMatrix encode_encodings(const std::vector<Encoding>& encodings,
                             const ProgressCallback& progress = {}) const;
  // The prompt put before each text, then truncated to truncation_length().
  std::vector<Encoding> tokenize(const std::vector<TextInput>& inputs) const;
  static constexpr size_t kStreamTexts = 4096;
  // The sequences the model runs for encodings from tokenize() (inputs first_index...): each
  // one, or in window mode a long one's windows, in order. bertcpp::InputError for one that
  // encode refuses (empty, or too long outside window mode).
  std::vector<Encoding> model_sequences(const std::vector<Encoding>& encodings, size_t first_index = 0) const;
  // Tokens per forward pass at most: keeps a batch's workspace and attention bounded when
  // inputs are long, while short inputs still fill batch_size.
  static constexpr size_t kTokenBudget = 16384;

  // Width of one output row (output_row_shape's product); for NONE without max_seq_len 0 (it
  // depends on the call).
  size_t dim() const;
  // Shape of one output row: {width}, or {tokens, H * layers} for NONE, `tokens` being the
  // call's T. The one answer the C++ caller, the CLI and the Python module all use.
  std::vector<size_t> output_row_shape(size_t tokens) const;

  // The options as given (model_dir filled in); what they resolved to is below.
  const EncoderOptions& options() const { return options_; }
  const std::vector<PoolingStrategy>& pooling_modes() const { return pooling_modes_; }
  const std::vector<int>& pooling_layers() const { return pooling_layers_; }
  std::optional<size_t> max_seq_len() const { return max_seq_len_; }
  // The most tokens one forward pass reads: max_seq_len(), else max_position_embeddings (and
  // tokenizer_config.json's model_max_length when smaller).
  size_t max_tokens() const;
  // What tokenize() truncates to: max_tokens() when truncating, else only an explicit max_seq_len.
  std::optional<size_t> truncation_length() const;
  const std::string& prompt() const { return prompt_; }
  // The sentence-transformers chain when the folder has one (else null); whether it is applied
  // (options that replace it leave it unused).
  const SentenceModules* sentence_modules() const { return modules_.get(); }
  bool applies_sentence_modules() const { return apply_chain_; }
  // Whether output rows come out unit-length: an explicit normalize, or the folder's Normalize.
  bool normalizes() const;
  // "Transformer(...) -> Pooling(mean) -> Normalize" or "bert-as-service: REDUCE_MEAN of layer -2".
  std::string describe() const;

  // similarity(a, b) [n, m] by the folder's similarity_fn_name (cosine unless it says otherwise).
  RowMatrix similarity(const RowMatrix& a, const RowMatrix& b) const;
  SimilarityFunction similarity_function() const;

  // Sequence classification (BertForSequenceClassification folders: cross-encoders,
  // rerankers, NLI): logits [n, labels] for texts or (a, b) pairs, truncated to max_tokens().
  // std::runtime_error when the checkpoint has no classifier head.
  RowMatrix predict(const std::vector<TextInput>& inputs, const ProgressCallback& progress = {}) const;
  // predict for encodings already made (the server tokenizes before it queues); the same rows
  // as predict gives for the texts they came from, whatever the batch.
  RowMatrix predict_encodings(const std::vector<Encoding>& encodings, const ProgressCallback& progress = {}) const;
  // The documents ordered by the classifier's score for (query, document), best first; the score
  // is the head's (sigmoid of a reranker's single logit, else the first label's softmax).
  std::vector<RankedDocument> rerank(const std::string& query, const std::vector<std::string>& documents,
                                     const ProgressCallback& progress = {}) const;
  // The classifier head, null when the checkpoint has none.
  const SequenceClassifier* classifier() const { return classifier_.get(); }

  const BertModel& model() const { return *model_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  std::shared_ptr<const BertModel> model_ptr() const { return model_; }
  std::shared_ptr<const Tokenizer> tokenizer_ptr() const { return tokenizer_; }

 private:
  void resolve();  // options_ + the folder -> the members below
  std::vector<Encoding> tokenize_slice(const std::vector<TextInput>& inputs, size_t first, size_t count,
                                       bool ids_only, const std::function<bool()>& keep_going) const;
  bool check_lengths(const std::vector<Encoding>& encodings, size_t first_index) const;
  // Window mode's split of encodings with a long one: the sequences, whose each is, and the
  // prompt tokens each one's pooling leaves out.
  struct Windows {
    std::vector<Encoding> sequences;
    std::vector<size_t> owner;
    std::vector<int64_t> excluded;
  };
  Windows split_windows(const std::vector<Encoding>& encodings, size_t first_index) const;
  RowMatrix encode_slice(const std::vector<Encoding>& encodings, size_t first_index, const ProgressCallback& progress) const;
  RowMatrix pool_encodings(const std::vector<Encoding>& encodings, const std::vector<int64_t>& excluded,
                           const ProgressCallback& progress) const;
  void apply_chain(RowMatrix& pooled) const;

  std::shared_ptr<const BertModel> model_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  EncoderOptions options_;
  std::shared_ptr<const SentenceModules> modules_;  // shared: immutable after load, so copies share them
  std::shared_ptr<const SequenceClassifier> classifier_;
  const ModelFamily* family_ = nullptr;
  bool apply_chain_ = false;
  std::vector<std::shared_ptr<const DenseLayer>> dense_;
  std::vector<PoolingStrategy> pooling_modes_;
  std::vector<int> pooling_layers_;
  std::optional<size_t> max_seq_len_;
  std::optional<size_t> model_max_length_;  // tokenizer_config.json
  bool normalize_ = false;  // after the chain
  std::string prompt_;
  size_t prompt_tokens_ = 0;  // [CLS] + the prompt's tokens: masked out when the Pooling excludes the prompt
};

}  // namespace bertcpp
