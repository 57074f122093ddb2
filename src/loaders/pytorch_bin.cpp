// pytorch_model.bin (torch.save's zip format, PyTorch >= 1.6) without PyTorch: the archive's
// <prefix>/data.pkl describes each tensor, <prefix>/data/<key> holds each storage's raw bytes.
#include <bertcpp/detail/loaders/checkpoint.h>

#include "kernels/float_convert.h"
#include "loaders/mapped_file.h"
#include "loaders/torch_pickle.h"
#include "loaders/zip_archive.h"

#include <cstring>
#include <stdexcept>

namespace bertcpp {
namespace {

struct StorageKind {
  size_t item_size = 0;
  bool is_float = false;
};

StorageKind storage_kind(const std::string& type) {
  if (type == "FloatStorage") return {4, true};
  if (type == "HalfStorage" || type == "BFloat16Storage") return {2, true};
  if (type == "DoubleStorage") return {8, true};
  if (type == "LongStorage") return {8, false};
  if (type == "IntStorage") return {4, false};
  if (type == "ShortStorage") return {2, false};
  if (type == "CharStorage" || type == "ByteStorage" || type == "BoolStorage") return {1, false};
  return {};
}

void convert(const std::string& type, const unsigned char* src, size_t n, float* dst) {
  if (n == 0) return;  // an empty tensor's buffer may be null, and memcpy(nullptr, ..., 0) is UB
  if (type == "FloatStorage") {
    std::memcpy(dst, src, n * 4);
  } else if (type == "HalfStorage") {
    detail::halfs_to_floats(src, n, dst);
  } else if (type == "BFloat16Storage") {
    detail::bfloat16s_to_floats(src, n, dst);
  } else {  // DoubleStorage
    for (size_t i = 0; i < n; ++i) {
      double v;
      std::memcpy(&v, src + 8 * i, 8);
      dst[i] = static_cast<float>(v);
    }
  }
}

}  // namespace

TensorMap load_pytorch_bin(const std::string& path) {
  const auto file = detail::MappedFile::open(path);
  const std::string_view bytes = file->bytes();
  if (bytes.size() < 4 || bytes.substr(0, 4) != std::string_view("PK\x03\x04", 4))
    throw std::runtime_error(path + ": not a zip archive; only torch.save's zip format (PyTorch >= 1.6) is supported, "
                                    "re-save older (legacy pickle) checkpoints with a newer PyTorch");
  const auto entries = detail::read_zip_directory(bytes, path);

  // torch.save names every entry <prefix>/..., the prefix varying with the file name.
  std::string prefix;
  for (const auto& [name, entry] : entries) {
    const std::string suffix = "/data.pkl";
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        name.find('/') == name.size() - suffix.size()) {
      if (!prefix.empty()) throw std::runtime_error(path + ": more than one data.pkl in the archive");
      prefix = name.substr(0, name.size() - suffix.size() + 1);
    }
  }
  if (prefix.empty()) throw std::runtime_error(path + ": no <name>/data.pkl in the archive (not written by torch.save?)");

  // `context` says who needs the entry, e.g. "tensor \"x\": ".
  const auto entry_bytes = [&](const std::string& name, const std::string& context = "") -> std::string_view {
    auto it = entries.find(name);
    if (it == entries.end()) throw std::runtime_error(path + ": " + context + "archive entry \"" + name + "\" is missing");
    const detail::ZipEntry& e = it->second;
    if (e.method != 0)
      throw std::runtime_error(path + ": " + context + "archive entry \"" + name + "\" is compressed (method " +
                               std::to_string(e.method) + "); torch.save stores entries uncompressed");
    if (e.size != e.uncompressed_size)
      throw std::runtime_error(path + ": archive entry \"" + name + "\" sizes disagree");
    return bytes.substr(e.data_offset, e.size);
  };
  if (entries.count(prefix + "byteorder") && entry_bytes(prefix + "byteorder") != "little")
    throw std::runtime_error(path + ": written on a big-endian machine; only little-endian is supported");

  const auto records = detail::read_torch_state_dict_pickle(entry_bytes(prefix + "data.pkl"), path + ": " + prefix + "data.pkl");
  TensorMap tensors;
  for (const detail::TorchTensorRecord& r : records) {
    const auto fail = [&](const std::string& why) {
      throw std::runtime_error(path + ": tensor \"" + r.name + "\": " + why);
    };
    const StorageKind kind = storage_kind(r.storage_type);
    if (kind.item_size == 0) fail("unsupported storage type " + r.storage_type);
    if (!kind.is_float) continue;  // integer buffers such as embeddings.position_ids are not weights

    const std::string_view storage = entry_bytes(prefix + "data/" + r.storage_key, "tensor \"" + r.name + "\": ");
    if (static_cast<uint64_t>(r.storage_numel) > storage.size() / kind.item_size ||
        static_cast<uint64_t>(r.storage_numel) * kind.item_size != storage.size())
      fail("storage " + r.storage_key + " holds " + std::to_string(storage.size()) + " bytes, expected " +
           std::to_string(r.storage_numel) + " x " + std::to_string(kind.item_size));

    // Bounds: the element furthest into the storage must exist; strides give it exactly.
    if (r.storage_offset < 0) fail("negative storage offset");
    bool empty = false;
    for (size_t d = 0; d < r.shape.size(); ++d) {
      if (r.shape[d] < 0 || r.stride[d] < 0) fail("negative size or stride");
      empty = empty || r.shape[d] == 0;
    }
    int64_t numel = empty ? 0 : 1, expected_stride = 1;
    bool contiguous = true;
    if (!empty) {
      int64_t last = r.storage_offset;
      for (size_t d = r.shape.size(); d-- > 0;) {
        if (r.shape[d] > 1 && r.stride[d] != expected_stride) contiguous = false;
        expected_stride *= r.shape[d];
        numel *= r.shape[d];
        // No state-dict view holds more elements than its storage (that needs zero strides);
        // checking here also keeps the products below from overflowing.
        if (numel > r.storage_numel) fail("shape has more elements than its storage (" + std::to_string(r.storage_numel) + ")");
        if (r.stride[d] > r.storage_numel) fail("stride " + std::to_string(r.stride[d]) + " is past its storage");
        last += (r.shape[d] - 1) * r.stride[d];
        if (last >= r.storage_numel) break;
      }
      if (last >= r.storage_numel)
        fail("view at offset " + std::to_string(r.storage_offset) + " reaches element " + std::to_string(last) +
             " of a storage of " + std::to_string(r.storage_numel));
    }

    Tensor tensor;
    tensor.shape = r.shape;
    tensor.source = path;
    const auto* base = reinterpret_cast<const unsigned char*>(storage.data()) + r.storage_offset * kind.item_size;
    if (r.storage_type == "FloatStorage" && contiguous && reinterpret_cast<uintptr_t>(base) % alignof(float) == 0) {
      tensor.data = reinterpret_cast<const float*>(base);  // in place: torch.save aligns storages to 64 bytes
      tensor.owner = file;
      tensor.mapped = true;
    } else {
      auto buffer = std::make_shared<std::vector<float>>(static_cast<size_t>(numel));
      if (contiguous) {
        convert(r.storage_type, base, static_cast<size_t>(numel), buffer->data());
      } else {
        // Gather element by element in row-major order of the view.
        std::vector<int64_t> index(r.shape.size(), 0);
        for (int64_t out = 0; out < numel; ++out) {
          int64_t element = 0;
          for (size_t d = 0; d < r.shape.size(); ++d) element += index[d] * r.stride[d];
          convert(r.storage_type, base + element * kind.item_size, 1, buffer->data() + out);
          for (size_t d = r.shape.size(); d-- > 0;) {
            if (++index[d] < r.shape[d]) break;
            index[d] = 0;
          }
        }
      }
      tensor.data = buffer->data();
      tensor.owner = std::move(buffer);
    }
    if (!tensors.emplace(r.name, std::move(tensor)).second) fail("appears twice in the state dict");
  }
  return tensors;
}

}  // namespace bertcpp
