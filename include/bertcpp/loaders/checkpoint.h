// Checkpoint readers: each turns one format into a TensorMap, with no framework installed.
// Bad files throw std::runtime_error naming the file (and the tensor, where there is one).
#pragma once

#include <bertcpp/loaders/tensor.h>

#include <string>

namespace bertcpp {

// model.safetensors (F32 used in place from a memory map; F16/BF16 converted).
TensorMap load_safetensors(const std::string& path);
// model.safetensors.index.json: every shard it names.
TensorMap load_safetensors_sharded(const std::string& index_json_path);
// Google's TensorFlow checkpoint, by prefix: "dir/bert_model.ckpt" reads
// bert_model.ckpt.index and its .data-NNNNN-of-NNNNN shards. Optimizer slots are skipped;
// names stay TensorFlow's and kernels stay [in, out] (the name mapping transposes them).
TensorMap load_tf_checkpoint(const std::string& prefix);
// pytorch_model.bin written by torch.save(state_dict) (zip + pickle), without PyTorch.
TensorMap load_pytorch_bin(const std::string& path);

// What a model directory holds, in order of preference.
enum class CheckpointFormat { Safetensors, SafetensorsSharded, PytorchBin, TfCheckpoint };
struct CheckpointLocation {
  CheckpointFormat format;
  std::string path;  // file, index file, or TF prefix
};
// Throws std::runtime_error listing what was looked for when the directory holds no weights.
CheckpointLocation find_checkpoint(const std::string& model_dir);
TensorMap load_checkpoint(const CheckpointLocation& where);

}  // namespace bertcpp
