// Checkpoint readers: each turns one format into a TensorMap, with no framework installed.
// Bad files throw std::runtime_error naming the file (and the tensor, where there is one).
// Every reader returns float tensors only: integer buffers (e.g. HF's embeddings.position_ids,
// TF's global_step) are skipped. Names stay as the file has them: see loaders/names.h for the
// canonical names the model uses.
#pragma once

#include <bertcpp/detail/loaders/names.h>  // to_canonical_names, used with every reader below
#include <bertcpp/detail/loaders/tensor.h>

#include <string>

namespace bertcpp {

// model.safetensors (F32 used in place from a memory map; F16/BF16/F64 converted).
// The lower-level reader (dtypes, raw bytes, metadata, integer tensors) is loaders/safetensors.h.
TensorMap load_safetensors(const std::string& path);
// model.safetensors.index.json: every shard it names (shards must sit beside the index, and
// each must hold the tensors the index maps to it).
TensorMap load_safetensors_sharded(const std::string& index_json_path);
// Google's TensorFlow checkpoint, by prefix: "dir/bert_model.ckpt" reads
// bert_model.ckpt.index and its .data-NNNNN-of-NNNNN shards. Every tensor's CRC-32C is verified.
// Optimizer slots (adam_m, adam_v, Adam) and non-float variables (global_step) are skipped;
// partitioned variables are refused. Names stay TensorFlow's and kernels stay [in, out] (the
// name mapping transposes them). DT_FLOAT, DT_HALF and DT_BFLOAT16 are read.
TensorMap load_tf_checkpoint(const std::string& prefix);
// pytorch_model.bin written by torch.save(state_dict) (zip + pickle, PyTorch >= 1.6), without
// PyTorch. Only the pickle subset a state dict needs is interpreted and no code is run: any
// other global is refused. Float, Half, BFloat16 and Double storages; views with a storage
// offset or non-contiguous strides are copied out, contiguous float32 is used in place.
TensorMap load_pytorch_bin(const std::string& path);

// What a model directory holds, in order of preference.
enum class CheckpointFormat { Safetensors, SafetensorsSharded, PytorchBin, TfCheckpoint };
struct CheckpointLocation {
  CheckpointFormat format;
  std::string path;  // file, index file, or TF prefix
};
// Preference: model.safetensors > model.safetensors.index.json > pytorch_model.bin >
// bert_model.ckpt.index > any other *.ckpt*.index (the longest, then greatest, name: the latest step).
// Throws std::runtime_error listing what was looked for when the directory holds no weights.
CheckpointLocation find_checkpoint(const std::string& model_dir);
TensorMap load_checkpoint(const CheckpointLocation& where);

// find_checkpoint + load_checkpoint + to_canonical_names: the tensors of a model directory
// under the canonical names of loaders/names.h.
TensorMap load_model_tensors(const std::string& model_dir);

}  // namespace bertcpp
