// Text -> vectors: the whole pipeline behind one call.
//
//   bertcpp::Encoder encoder;                       // the bundled bert-mini-uncased
//   bertcpp::RowMatrix v = encoder.encode({{"I love data science"}, {"We went to the bank"}});
//   // v: [2, 256], REDUCE_MEAN of layer -2, as bert-as-service serves by default
//
// Inputs are sorted by length and packed into batches under a token budget, so no work is
// spent on padding; results come back in input order, equal whatever the batching.
#pragma once

#include <bertcpp/model/bert_model.h>
#include <bertcpp/pooling/pooling.h>
#include <bertcpp/tokenizer/errors.h>
#include <bertcpp/tokenizer/tokenizer.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bertcpp {

// The bundled model directory (models/bert-mini-uncased): $BERTCPP_MODEL_DIR if set,
// else the one installed or built beside the library.
std::string default_model_dir();

struct EncoderOptions {
  std::string model_dir;  // empty: default_model_dir()
  PoolingStrategy pooling = PoolingStrategy::ReduceMean;
  // bert-as-service's numbering: -1 is the last encoder layer, -2 the one before, k >= 0 is
  // encoder layer k (0-based). Several layers are concatenated in the order given; only the
  // layers up to the deepest one listed are run. CLS_POOLED ignores it (the pooler reads the last).
  std::vector<int> pooling_layers = {-2};
  // Tokens per sequence including [CLS]/[SEP]; longer inputs are truncated to it. Unset: no
  // truncation, and a sequence longer than max_position_embeddings is std::invalid_argument.
  std::optional<size_t> max_seq_len;
  int threads = 0;          // 0: all cores; std::invalid_argument below 0 or above Tokenizer::kMaxThreads
  size_t batch_size = 32;   // sequences per forward pass at most
  bool normalize = false;   // L2-normalize each output row
  // float32 (matches transformers) or bfloat16 (about twice as fast where the CPU has
  // AVX512_BF16, ~1e-2 off); see model/packed_linear.h. Used when the Encoder loads the model.
  Precision precision = Precision::Float32;
  TokenizerOptions tokenizer;  // lowercase etc. follow the vocabulary unless set
};

// Called after each batch with (sequences done, total); return false to cancel, which makes
// encode throw bertcpp::Cancelled.
using ProgressCallback = std::function<bool(size_t done, size_t total)>;


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
  RowMatrix encode(const std::vector<TextInput>& inputs, const ProgressCallback& progress = {},
                   const std::function<bool()>& keep_going = {}) const;
  RowMatrix encode_encodings(const std::vector<Encoding>& encodings,
                             const ProgressCallback& progress = {}) const;
  std::vector<Encoding> tokenize(const std::vector<TextInput>& inputs) const;
  static constexpr size_t kStreamTexts = 4096;

  // Width of one output row: H per pooling layer (2H for mean-max), H for CLS_POOLED; for
  // NONE max_seq_len * H per layer, or 0 when max_seq_len is unset (it depends on the call).
  size_t dim() const;
  const EncoderOptions& options() const { return options_; }
  const BertModel& model() const { return *model_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  std::shared_ptr<const BertModel> model_ptr() const { return model_; }
  std::shared_ptr<const Tokenizer> tokenizer_ptr() const { return tokenizer_; }

 private:
  std::vector<Encoding> tokenize_slice(const std::vector<TextInput>& inputs, size_t first, size_t count,
                                       bool ids_only, const std::function<bool()>& keep_going) const;
  size_t output_width(size_t longest) const;
  size_t check_lengths(const std::vector<Encoding>& encodings, size_t first_index) const;
  void encode_rows(const std::vector<Encoding>& encodings, size_t first_row, RowMatrix& result,
                   const ProgressCallback& progress) const;
  void finish_rows(RowMatrix& result) const;

  std::shared_ptr<const BertModel> model_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  EncoderOptions options_;
};

}  // namespace bertcpp
