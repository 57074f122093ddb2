// Ids -> hidden states: embeddings, N post-LayerNorm transformer layers, pooler.
//
//   auto model = bertcpp::BertModel::load("models/bert-mini-uncased");
//   bertcpp::ForwardOutput out = model.forward(batch, {});
//   out.hidden_states.back();   // [num_tokens, H], the last layer, packed like `batch`
#pragma once

#include <bertcpp/detail/model/packed_linear.h>
#include <bertcpp/detail/model/token_batch.h>
#include <bertcpp/loaders/config.h>
#include <bertcpp/matrix.h>

#include <memory>
#include <string>
#include <vector>

namespace bertcpp {

struct BertWeights;  // model/weights.h: the tensors laid out for the encoder

struct ForwardOptions {
  // Layers to run: -1 = all. Pooling from layer -2 never needs the last layer.
  int num_layers = -1;
  // Keep every hidden state (embeddings output, then each layer) or only the last computed.
  bool output_hidden_states = false;
  // The pooler reads the last layer run (the model's last layer unless num_layers says otherwise).
  bool compute_pooler = false;
  // Compute only each sequence's first token ([CLS]) in the last layer run: keys and values
  // still come from every token, but queries, the attention output and the feed-forward run
  // on one row per sequence, about 1/6 of a layer's work. The last hidden state then has one
  // row per sequence, [num_sequences, H]; all CLS pooling needs.
  bool first_token_only = false;
  // Threads for this call; 0 = all cores. The batch's sequences are split into groups of about
  // equal token counts, one thread each, every group running all layers on its own; a group
  // with threads to spare (a batch of one sequence) splits each product's output columns and
  // attention's heads between them. The hidden states do not depend on the thread count, to
  // the bit. OpenBLAS (the pooler's and the heads' products) has a process-wide thread
  // count, so concurrent calls should use the same value.
  int threads = 0;
};

struct ForwardOutput {
  // Packed like the input batch: [num_tokens, H]. With output_hidden_states, index 0 is the
  // embeddings output and index i the output of layer i; otherwise one entry, the last layer run.
  // With first_token_only the last entry is [num_sequences, H]: row s is sequence s's first token.
  std::vector<RowMatrix> hidden_states;
  RowMatrix pooler_output;  // [num_sequences, H] when compute_pooler
};

class BertModel {
 public:
  // A model directory: config.json or bert_config.json, vocab.txt, and weights in any
  // supported format (see loaders/checkpoint.h). `precision`: what the layers' products
  // multiply in (model/packed_linear.h); float32 matches transformers. `float_layers`: layers
  // kept in float32 whatever `precision` says (EncoderOptions::float_layers).
  static BertModel load(const std::string& model_dir, Precision precision = Precision::Float32,
                        const std::vector<int>& float_layers = {});
  BertModel(BertConfig config, std::shared_ptr<const BertWeights> weights);

  const BertConfig& config() const { return config_; }
  const BertWeights& weights() const { return *weights_; }
  // Whether the checkpoint carries the pretraining heads' weights; the heads themselves
  // (mlm_logits, nsp_logits) are the heads stage's, detail/heads/heads.h.
  bool has_mlm_head() const;
  bool has_nsp_head() const;

  // Thread-safe: many threads may call forward on one model at once.
  // Throws std::invalid_argument for an id, type id or position outside the config.
  ForwardOutput forward(const TokenBatch& batch, const ForwardOptions& options = {}) const;

 private:
  BertConfig config_;
  std::shared_ptr<const BertWeights> weights_;
};

}  // namespace bertcpp
