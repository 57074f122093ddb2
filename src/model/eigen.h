// Every bertcpp_model source includes this before anything that includes Eigen, so all of
// them agree on EIGEN_USE_BLAS (a mismatch would give two different GEMMs for one symbol).
#pragma once

#if defined(BERTCPP_USE_BLAS) && BERTCPP_USE_BLAS && !defined(EIGEN_USE_BLAS)
#define EIGEN_USE_BLAS  // large products go to OpenBLAS's sgemm
#endif

#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>  // vectorized erf for the exact GELU
