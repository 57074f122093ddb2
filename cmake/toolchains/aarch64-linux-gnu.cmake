# Cross-compiling for 64-bit ARM Linux from an x86-64 Debian host (g++-aarch64-linux-gnu,
# libraries of the target from Debian's arm64 architecture). Test binaries run under
# qemu-user, which gtest_discover_tests and ctest call through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Debian's multiarch layout: arm64 libraries in /usr/lib/aarch64-linux-gnu, CMake packages of
# arch-independent header libraries (Eigen, nlohmann_json) in /usr/share; both live under /.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# -L: the target's dynamic loader and libc (libc6-arm64-cross, installed with the compiler).
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
