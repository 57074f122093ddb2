// BertModel::load: a model directory -> config + canonical tensors -> laid-out weights.
#include <Eigen/Core>

#include <bertcpp/loaders/checkpoint.h>
#include <bertcpp/loaders/names.h>
#include <bertcpp/model/bert_model.h>
#include <bertcpp/model/weights.h>

namespace bertcpp {

BertModel BertModel::load(const std::string& model_dir, Precision precision) {
  BertConfig config = load_config(model_dir);
  TensorMap tensors = to_canonical_names(load_checkpoint(find_checkpoint(model_dir)));
  auto weights = std::make_shared<const BertWeights>(BertWeights::from_tensors(std::move(tensors), config, precision));
  return BertModel(std::move(config), std::move(weights));
}

}  // namespace bertcpp
