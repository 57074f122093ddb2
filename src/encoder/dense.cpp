#include <Eigen/Core>

#include <bertcpp/detail/encoder/dense.h>
#include <bertcpp/detail/loaders/checkpoint.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>

namespace bertcpp {

DenseLayer DenseLayer::load(const DenseModule& module) {
  namespace fs = std::filesystem;
  const fs::path dir(module.dir);
  std::string file;
  TensorMap tensors;
  if (fs::is_regular_file(dir / "model.safetensors")) {
    file = (dir / "model.safetensors").string();
    tensors = load_safetensors(file);
  } else if (fs::is_regular_file(dir / "pytorch_model.bin")) {
    file = (dir / "pytorch_model.bin").string();
    tensors = load_pytorch_bin(file);
  } else {
    throw std::runtime_error(module.dir + ": the Dense module has no weights (looked for model.safetensors, pytorch_model.bin)");
  }
  auto get = [&](const std::string& name, std::vector<int64_t> shape) -> const Tensor& {
    auto it = tensors.find(name);
    if (it == tensors.end()) throw std::runtime_error(file + ": missing tensor " + name);
    if (it->second.shape != shape) {
      std::string expected = "[";
      for (size_t i = 0; i < shape.size(); ++i) expected += (i ? ", " : "") + std::to_string(shape[i]);
      throw std::runtime_error(file + ": tensor " + name + " has shape " + it->second.shape_string() +
                               " but config.json (in_features, out_features) implies " + expected + "]");
    }
    return it->second;
  };
  DenseLayer d;
  d.module_ = module;
  const Tensor& w = get("linear.weight", {module.out_features, module.in_features});
  d.weight_ = Eigen::Map<const RowMatrix>(w.data, module.out_features, module.in_features);
  d.bias_ = Eigen::RowVectorXf::Zero(module.out_features);
  if (module.bias) d.bias_ = Eigen::Map<const Eigen::RowVectorXf>(get("linear.bias", {module.out_features}).data, module.out_features);
  return d;
}

RowMatrix DenseLayer::apply(const RowMatrix& x) const {
  if (x.cols() != weight_.cols()) {
    throw std::invalid_argument("Dense " + module_.dir + ": input has width " + std::to_string(x.cols()) +
                                " but in_features = " + std::to_string(weight_.cols()));
  }
  RowMatrix y = x * weight_.transpose();
  y.rowwise() += bias_;
  switch (module_.activation) {
    case DenseActivation::Identity: break;
    case DenseActivation::Tanh: y = y.array().tanh().matrix(); break;
    case DenseActivation::ReLU: y = y.array().max(0.0f).matrix(); break;
    case DenseActivation::Sigmoid: y = (1.0f / (1.0f + (-y.array()).exp())).matrix(); break;
    case DenseActivation::Gelu:
      y = y.unaryExpr([](float v) { return 0.5f * v * (1.0f + std::erf(v / std::sqrt(2.0f))); });
      break;
  }
  return y;
}

}  // namespace bertcpp
