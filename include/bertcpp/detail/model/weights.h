// The checkpoint's tensors laid out for the encoder, checked once against the config.
//
// The layers' dense weights are repacked once for the matrix kernel (model/packed_linear.h)
// and their originals dropped: a converted buffer is freed, a memory-mapped file's pages are
// handed back, so the weights are held once. Everything else (embeddings, norms, biases, the
// pooler and heads) stays as Hugging Face stores it, [out, in] row-major, read in place (for
// F32 safetensors straight from the memory map).
#pragma once

#include <bertcpp/loaders/config.h>
#include <bertcpp/detail/loaders/tensor.h>
#include <bertcpp/detail/model/packed_linear.h>

#include <Eigen/Core>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bertcpp {

// An encoder layer as users number it (bert-as-service's pooling layers, float_layers): k >= 0
// is layer k, -1 the last. Returns the 0-based layer; std::invalid_argument starting with
// `what` for a layer outside [-num_layers, num_layers - 1].
int encoder_layer(int layer, int num_layers, const std::string& what);

// y = x W^T + b, W: [out, in] row-major.
struct LinearWeights {
  const float* weight = nullptr;
  const float* bias = nullptr;
  int64_t out = 0;
  int64_t in = 0;

  using WeightMap = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
  using BiasMap = Eigen::Map<const Eigen::Matrix<float, 1, Eigen::Dynamic>>;
  WeightMap w() const { return WeightMap(weight, out, in); }
  BiasMap b() const { return BiasMap(bias, out); }
};

struct LayerNormWeights {
  const float* gamma = nullptr;
  const float* beta = nullptr;
  int64_t size = 0;
};

struct BertLayerWeights {
  PackedLinear query, key, value;  // [H, H] each
  PackedLinear attention_output;   // [H, H]
  LayerNormWeights attention_norm;
  PackedLinear intermediate;       // [I, H]
  PackedLinear output;             // [H, I]
  LayerNormWeights output_norm;
};

struct MlmHeadWeights {
  LinearWeights transform;  // [H, H], then the config's activation and LayerNorm
  LayerNormWeights transform_norm;
  LinearWeights decoder;    // [V, H]: the word embeddings unless the checkpoint has its own
};

struct BertWeights {
  // Embeddings, row-major: word [V, H], position [P, H], token type [T, H].
  const float* word_embeddings = nullptr;
  const float* position_embeddings = nullptr;
  const float* token_type_embeddings = nullptr;
  LayerNormWeights embeddings_norm;
  std::vector<BertLayerWeights> layers;
  std::optional<LinearWeights> pooler;  // absent in encoder-only exports
  std::optional<MlmHeadWeights> mlm;
  std::optional<LinearWeights> nsp;     // [2, H]

  // Keeps the mapped files and converted buffers alive. The layers' dense weights
  // (encoder.layer.N.*.weight of the six products) are not in it: they live packed above.
  TensorMap tensors;
  std::vector<std::shared_ptr<const std::vector<float>>> owned;

  // `tensors` use canonical names (loaders/names.h: Hugging Face names without "bert.").
  // Throws std::runtime_error naming the tensor, its file and expected vs actual shape when a
  // required tensor is missing or misshapen; a head is kept only when all its tensors are there.
  // The layers' products are packed for `precision`, for the kernel variant in use (cpu.h),
  // except those of `float_layers` (0-based, negative from the last), packed for float32.
  static BertWeights from_tensors(TensorMap tensors, const BertConfig& config,
                                  Precision precision = Precision::Float32, const std::vector<int>& float_layers = {});
};

}  // namespace bertcpp
