#include <bertcpp/model/family.h>

#include <stdexcept>

namespace bertcpp {

const std::vector<ModelFamily>& model_families() {
  static const std::vector<ModelFamily> families = {
      {"bert", {"bert"}, {"bert."}, [](const BertConfig&) { return int32_t{0}; }, true, "wordpiece", "[CLS]", "[SEP]"},
  };
  return families;
}

const ModelFamily& family_for(const BertConfig& config) {
  std::string supported;
  for (const ModelFamily& f : model_families()) {
    for (const std::string& type : f.model_types) {
      if (type == config.model_type) return f;
      supported += (supported.empty() ? "" : ", ") + type;
    }
  }
  throw std::runtime_error("model_type \"" + config.model_type + "\" is not supported (supported: " + supported +
                           "); see the README's \"Adding a model family\"");
}

}  // namespace bertcpp
