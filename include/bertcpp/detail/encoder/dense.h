// sentence-transformers' Dense module: act(x W^T + b) on pooled vectors, W [out, in] from the
// module folder's model.safetensors or pytorch_model.bin (linear.weight, linear.bias).
#pragma once

#include <bertcpp/detail/encoder/modules.h>
#include <bertcpp/matrix.h>

#include <memory>

namespace bertcpp {

class DenseLayer {
 public:
  // Throws std::runtime_error naming the file and tensor when the weights are missing or
  // their shapes disagree with the module's config.json (in_features, out_features, bias).
  static DenseLayer load(const DenseModule& module);

  // [n, in_features] -> [n, out_features]; std::invalid_argument for another width.
  RowMatrix apply(const RowMatrix& x) const;
  const DenseModule& module() const { return module_; }

 private:
  DenseModule module_;
  RowMatrix weight_;          // [out, in]
  Eigen::RowVectorXf bias_;   // [out], zeros without bias
};

}  // namespace bertcpp
