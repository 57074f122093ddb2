// What every harness needs: the fuzz input as a file (the readers take paths) and a way to
// tell an expected rejection from a bug.
#pragma once

#include <bertcpp/detail/loaders/tensor.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bertcpp::fuzz {

// A scratch path in /dev/shm (tmpfs: no disk I/O per execution), unique to this process,
// removed at exit. `suffix` is appended, e.g. ".index".
std::string scratch_path(const std::string& suffix = "");
// Overwrites `path` with `bytes`; aborts if it cannot (that is the harness's fault, not the input's).
void write_file(const std::string& path, std::string_view bytes);

// Aborts with `what` when `condition` is false: an invariant broken is a finding.
void check(bool condition, const char* what);

// Every error message must name its source; a message that does not is a finding too.
void check_names(const std::exception& e, const std::string& source);

// Every tensor a reader returned is whole: a non-negative size, data behind it, and each element
// readable (ASan catches a buffer shorter than the shape promises).
void read_every_tensor(const TensorMap& tensors);

}  // namespace bertcpp::fuzz
