// Linked into every test binary above the kernels. ctest runs those binaries once per kernel
// variant (BERTCPP_CPU_ISA=...); on a CPU that cannot run the forced variant, every test is
// skipped with the reason instead of failing on the load error.
#include <bertcpp/cpu.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

namespace {

class IsaGuard : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* forced = std::getenv("BERTCPP_CPU_ISA");
    if (forced == nullptr || *forced == '\0') return;
    try {
      bertcpp::cpu_info();
    } catch (const std::invalid_argument& e) {
      GTEST_SKIP() << e.what();
    }
  }
};

[[maybe_unused]] ::testing::Environment* const kGuard = ::testing::AddGlobalTestEnvironment(new IsaGuard);

}  // namespace
