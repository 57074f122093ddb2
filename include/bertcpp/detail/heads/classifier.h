// The head of Hugging Face's BertForSequenceClassification (cross-encoders, rerankers, NLI):
// logits = classifier(pooler_output), W [labels, H]; labels from config.json's id2label.
#pragma once

#include <bertcpp/detail/model/bert_model.h>

#include <optional>
#include <string>
#include <vector>

namespace bertcpp {

enum class ScoreActivation { Softmax, Sigmoid, Identity };

class SequenceClassifier {
 public:
  // The head of `model` when its checkpoint has classifier.weight / classifier.bias, else
  // nullopt. `config_json` is the model's config.json text (id2label; sentence_transformers.
  // activation_fn). Throws std::runtime_error naming the file for a misshapen head or an
  // id2label that does not cover every output.
  static std::optional<SequenceClassifier> from_model(const BertModel& model, const std::string& config_json,
                                                      const std::string& source);

  // [n, H] pooler outputs -> [n, num_labels] logits.
  RowMatrix logits(const RowMatrix& pooler_output) const;
  // What people read as scores: softmax over several labels, sigmoid of a single logit, or
  // the activation the folder names (sentence_transformers.activation_fn).
  RowMatrix scores(const RowMatrix& logits) const;

  size_t num_labels() const { return labels_.size(); }
  const std::vector<std::string>& labels() const { return labels_; }
  ScoreActivation activation() const { return activation_; }

 private:
  const float* weight_ = nullptr;  // [labels, H], in the model's tensors
  const float* bias_ = nullptr;    // [labels]
  int64_t hidden_ = 0;
  std::vector<std::string> labels_;
  ScoreActivation activation_ = ScoreActivation::Softmax;
};

}  // namespace bertcpp
