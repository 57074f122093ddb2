// BertModel::load: a model directory -> config + canonical tensors -> laid-out weights.
#include <Eigen/Core>

#include <bertcpp/detail/loaders/checkpoint.h>
#include <bertcpp/detail/loaders/names.h>
#include <bertcpp/loaders/config.h>
#include <bertcpp/detail/model/bert_model.h>
#include <bertcpp/detail/model/family.h>
#include <bertcpp/detail/model/weights.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace bertcpp {

namespace {

// Checks transformers does or should do before weights meet a config: encoder layers the
// config does not run (a config with fewer layers than its checkpoint loads in transformers
// with a warning, and gives another model's vectors), and weights that are not finite.
// Every tensor then gets its own memory: a model never reads its file after loading.
void check_and_own(TensorMap& tensors, const BertConfig& config, const std::string& model_dir) {
  const std::string layer_prefix = "encoder.layer.";
  for (auto& [name, tensor] : tensors) {
    if (name.compare(0, layer_prefix.size(), layer_prefix) == 0) {
      const int layer = std::atoi(name.c_str() + layer_prefix.size());
      if (layer >= config.num_hidden_layers)
        throw std::runtime_error(model_dir + ": the checkpoint has encoder layer " + std::to_string(layer) +
                                 " (tensor " + name + " in " + tensor.source + ") but the config says num_hidden_layers = " +
                                 std::to_string(config.num_hidden_layers) +
                                 ": the config does not describe these weights");
    }
    own_data(tensor);
    require_finite(name, tensor);
  }
}

}  // namespace

BertModel BertModel::load(const std::string& model_dir, Precision precision, const std::vector<int>& float_layers) {
  BertConfig config = load_config(model_dir);
  family_for(config, find_config(model_dir));
  TensorMap tensors = to_canonical_names(load_checkpoint(find_checkpoint(model_dir)));
  check_and_own(tensors, config, model_dir);
  auto weights = std::make_shared<const BertWeights>(BertWeights::from_tensors(std::move(tensors), config, precision, float_layers));
  return BertModel(std::move(config), std::move(weights));
}

}  // namespace bertcpp
