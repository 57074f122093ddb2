// The matrix every output comes in: float32, row-major, one row per input (Eigen).
#pragma once

#include <Eigen/Core>

namespace bertcpp {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace bertcpp
