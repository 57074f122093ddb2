#include <Eigen/Core>

#include <bertcpp/detail/heads/classifier.h>
#include <bertcpp/detail/model/weights.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include <stdexcept>

namespace bertcpp {

std::optional<SequenceClassifier> SequenceClassifier::from_model(const BertModel& model, const std::string& config_json,
                                                                 const std::string& source) {
  const TensorMap& tensors = model.weights().tensors;
  auto w = tensors.find("classifier.weight");
  auto b = tensors.find("classifier.bias");
  if (w == tensors.end() && b == tensors.end()) return std::nullopt;
  const int64_t H = model.config().hidden_size;
  if (w == tensors.end() || b == tensors.end())
    throw std::runtime_error((w == tensors.end() ? b : w)->second.source + ": has " +
                             (w == tensors.end() ? "classifier.bias but no classifier.weight" : "classifier.weight but no classifier.bias"));
  if (w->second.shape.size() != 2 || w->second.shape[1] != H || w->second.shape[0] < 1)
    throw std::runtime_error(w->second.source + ": classifier.weight has shape " + w->second.shape_string() +
                             ", expected [num_labels, hidden_size = " + std::to_string(H) + "]");
  const int64_t n = w->second.shape[0];
  if (b->second.shape != std::vector<int64_t>{n})
    throw std::runtime_error(b->second.source + ": classifier.bias has shape " + b->second.shape_string() + ", expected [" +
                             std::to_string(n) + "]");
  if (!model.weights().pooler) throw std::runtime_error(w->second.source + ": a classifier head needs the pooler (pooler.dense.*)");

  SequenceClassifier c;
  c.weight_ = w->second.data;
  c.bias_ = b->second.data;
  c.hidden_ = H;
  for (int64_t i = 0; i < n; ++i) c.labels_.push_back("LABEL_" + std::to_string(i));  // transformers' default
  const nlohmann::json config = nlohmann::json::parse(config_json, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded() || !config.is_object()) throw std::runtime_error(source + ": not a JSON object");
  if (auto it = config.find("id2label"); it != config.end() && !it->is_null()) {
    if (!it->is_object()) throw std::runtime_error(source + ": id2label must be an object {\"0\": \"label\", ...}");
    if (static_cast<int64_t>(it->size()) != n)
      throw std::runtime_error(source + ": id2label has " + std::to_string(it->size()) + " labels but the classifier has " +
                               std::to_string(n) + " outputs");
    for (auto e = it->begin(); e != it->end(); ++e) {
      int64_t id = -1;
      try {
        size_t used = 0;
        id = std::stoll(e.key(), &used);
        if (used != e.key().size()) id = -1;
      } catch (const std::exception&) {
      }
      if (id < 0 || id >= n || !e->is_string())
        throw std::runtime_error(source + ": id2label entry \"" + e.key() + "\" must map an id in [0, " + std::to_string(n) +
                                 ") to a string");
      c.labels_[static_cast<size_t>(id)] = e->get<std::string>();
    }
  }
  // sentence-transformers' CrossEncoder: sigmoid for one logit unless the folder says otherwise.
  c.activation_ = n == 1 ? ScoreActivation::Sigmoid : ScoreActivation::Softmax;
  if (auto st = config.find("sentence_transformers"); st != config.end() && st->is_object()) {
    if (auto fn = st->find("activation_fn"); fn != st->end() && fn->is_string()) {
      const std::string name = fn->get<std::string>();
      const std::string short_name = name.substr(name.rfind('.') + 1);
      if (short_name == "Sigmoid") c.activation_ = ScoreActivation::Sigmoid;
      else if (short_name == "Softmax") c.activation_ = ScoreActivation::Softmax;
      else if (short_name == "Identity") c.activation_ = ScoreActivation::Identity;
      else
        throw std::runtime_error(source + ": sentence_transformers.activation_fn \"" + name +
                                 "\" is not one of Sigmoid, Softmax, Identity");
    }
  }
  return c;
}

RowMatrix SequenceClassifier::logits(const RowMatrix& pooled) const {
  if (pooled.cols() != hidden_)
    throw std::invalid_argument("classifier: input width " + std::to_string(pooled.cols()) + " is not hidden_size = " +
                                std::to_string(hidden_));
  const auto n = static_cast<Eigen::Index>(labels_.size());
  const Eigen::Map<const RowMatrix> w(weight_, n, hidden_);
  const Eigen::Map<const Eigen::RowVectorXf> b(bias_, n);
  // [rows, labels]: a few columns, plain Eigen, row by row so that a row's logits do not depend
  // on the rows beside it (Eigen's product for one row sums in another order than for many).
  RowMatrix out(pooled.rows(), n);
  for (Eigen::Index r = 0; r < pooled.rows(); ++r) out.row(r).noalias() = pooled.row(r) * w.transpose();
  out.rowwise() += b;
  return out;
}

RowMatrix SequenceClassifier::scores(const RowMatrix& logits) const {
  switch (activation_) {
    case ScoreActivation::Identity: return logits;
    case ScoreActivation::Sigmoid: {
      // Element by element: Eigen's vectorized exp differs in the last bits from its scalar
      // tail, so over the whole matrix a score would depend on how many rows came with it.
      RowMatrix out = logits;
      for (Eigen::Index r = 0; r < out.rows(); ++r)
        for (Eigen::Index c = 0; c < out.cols(); ++c) out(r, c) = 1.0f / (1.0f + std::exp(-logits(r, c)));
      return out;
    }
    case ScoreActivation::Softmax: {
      RowMatrix out = logits;
      for (Eigen::Index r = 0; r < out.rows(); ++r) {
        const float top = out.row(r).maxCoeff();
        float sum = 0;  // scalar, in order: a vectorized sum would depend on the row's alignment
        for (Eigen::Index c = 0; c < out.cols(); ++c) sum += out(r, c) = std::exp(out(r, c) - top);
        out.row(r) /= sum;
      }
      return out;
    }
  }
  return logits;
}

}  // namespace bertcpp
