// The pretraining heads of a BertModel: MLM logits for chosen tokens, NSP logits per sequence.
// Here, not in model: the heads stand on the model, and the model knows nothing of them.
#include <Eigen/Core>

#include <bertcpp/detail/heads/heads.h>
#include <bertcpp/detail/model/bert_model.h>
#include <bertcpp/detail/model/weights.h>

#include "model/row_ops.h"

#include <stdexcept>
#include <string>

namespace bertcpp {

RowMatrix mlm_logits(const BertModel& model, const RowMatrix& last_hidden, const std::vector<int64_t>& rows) {
  const BertConfig& config = model.config();
  const BertWeights& weights = model.weights();
  if (!weights.mlm) {
    throw std::runtime_error(
        "the checkpoint has no masked-LM head (cls.predictions.*): load a BertForPreTraining or "
        "BertForMaskedLM checkpoint");
  }
  const Eigen::Index H = config.hidden_size;
  if (last_hidden.cols() != H) {
    throw std::invalid_argument("mlm_logits: hidden states have " + std::to_string(last_hidden.cols()) +
                                " columns, expected hidden_size " + std::to_string(H));
  }
  const MlmHeadWeights& head = *weights.mlm;
  RowMatrix x(static_cast<Eigen::Index>(rows.size()), H);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= last_hidden.rows()) {
      throw std::invalid_argument("mlm_logits: row " + std::to_string(rows[i]) + " is outside [0, " +
                                  std::to_string(last_hidden.rows()) + ")");
    }
    x.row(static_cast<Eigen::Index>(i)) = last_hidden.row(rows[i]);
  }
  RowMatrix transformed(x.rows(), H);
  transformed.noalias() = x * head.transform.w().transpose();
  detail::add_bias_activation(transformed, head.transform.bias, config.hidden_act);
  detail::layer_norm(transformed, head.transform_norm, config.layer_norm_eps);
  RowMatrix logits(x.rows(), head.decoder.out);
  logits.noalias() = transformed * head.decoder.w().transpose();
  logits.rowwise() += head.decoder.b();
  return logits;
}

RowMatrix nsp_logits(const BertModel& model, const RowMatrix& pooler_output) {
  const BertConfig& config = model.config();
  const BertWeights& weights = model.weights();
  if (!weights.nsp) {
    throw std::runtime_error(
        "the checkpoint has no next-sentence head (cls.seq_relationship.*): load a BertForPreTraining or "
        "BertForNextSentencePrediction checkpoint");
  }
  if (pooler_output.cols() != config.hidden_size) {
    throw std::invalid_argument("nsp_logits: pooler output has " + std::to_string(pooler_output.cols()) +
                                " columns, expected hidden_size " + std::to_string(config.hidden_size));
  }
  RowMatrix logits(pooler_output.rows(), 2);
  logits.noalias() = pooler_output * weights.nsp->w().transpose();
  logits.rowwise() += weights.nsp->b();
  return logits;
}

}  // namespace bertcpp
