// BertModel's pretraining heads: MLM logits for chosen tokens, NSP logits per sequence.
#include <Eigen/Core>

#include <bertcpp/detail/model/bert_model.h>
#include <bertcpp/detail/model/weights.h>

#include "model/row_ops.h"

#include <stdexcept>
#include <string>

namespace bertcpp {

RowMatrix BertModel::mlm_logits(const RowMatrix& last_hidden, const std::vector<int64_t>& rows) const {
  if (!weights_->mlm) {
    throw std::runtime_error(
        "the checkpoint has no masked-LM head (cls.predictions.*): load a BertForPreTraining or "
        "BertForMaskedLM checkpoint");
  }
  const Eigen::Index H = config_.hidden_size;
  if (last_hidden.cols() != H) {
    throw std::invalid_argument("mlm_logits: hidden states have " + std::to_string(last_hidden.cols()) +
                                " columns, expected hidden_size " + std::to_string(H));
  }
  const MlmHeadWeights& head = *weights_->mlm;
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
  detail::add_bias_activation(transformed, head.transform.bias, config_.hidden_act);
  detail::layer_norm(transformed, head.transform_norm, config_.layer_norm_eps);
  RowMatrix logits(x.rows(), head.decoder.out);
  logits.noalias() = transformed * head.decoder.w().transpose();
  logits.rowwise() += head.decoder.b();
  return logits;
}

RowMatrix BertModel::nsp_logits(const RowMatrix& pooler_output) const {
  if (!weights_->nsp) {
    throw std::runtime_error(
        "the checkpoint has no next-sentence head (cls.seq_relationship.*): load a BertForPreTraining or "
        "BertForNextSentencePrediction checkpoint");
  }
  if (pooler_output.cols() != config_.hidden_size) {
    throw std::invalid_argument("nsp_logits: pooler output has " + std::to_string(pooler_output.cols()) +
                                " columns, expected hidden_size " + std::to_string(config_.hidden_size));
  }
  RowMatrix logits(pooler_output.rows(), 2);
  logits.noalias() = pooler_output * weights_->nsp->w().transpose();
  logits.rowwise() += weights_->nsp->b();
  return logits;
}

}  // namespace bertcpp
