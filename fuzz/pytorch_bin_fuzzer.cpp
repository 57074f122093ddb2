// pytorch_model.bin bytes (zip + pickle) -> load_pytorch_bin. Accepted tensors must be readable
// end to end; everything else must be a std::runtime_error naming the file.
#include "fuzz_support.h"

#include <bertcpp/detail/loaders/checkpoint.h>

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = bertcpp::fuzz::scratch_path("-pytorch_model.bin");
  bertcpp::fuzz::write_file(path, {reinterpret_cast<const char*>(data), size});
  try {
    bertcpp::fuzz::read_every_tensor(bertcpp::load_pytorch_bin(path));
  } catch (const std::runtime_error& e) {
    bertcpp::fuzz::check_names(e, path);
  }
  return 0;
}
