#!/usr/bin/env bash
# Cross-builds bertcpp for another CPU and runs its GoogleTest suite under qemu-user:
#
#   scripts/cross-test.sh aarch64      # ARM64: the generic and NEON kernel variants
#
# On a Debian x86-64 machine, as root (or with the packages below already installed): adds
# Debian's arm64 architecture, installs the cross compiler, qemu-user and GoogleTest for arm64
# (Eigen and nlohmann_json are architecture-independent headers, shared with the host build),
# configures build-aarch64 with cmake/toolchains/aarch64-linux-gnu.cmake (library + tests
# only), builds it and runs ctest, every test binary under qemu-aarch64: the parity tests
# against transformers' references, the kernel tests comparing neon with generic, and each
# binary once per variant ([generic], [neon]). Safe to run again: installed packages and an
# existing build are reused.
#
# Takes about 35 minutes from nothing on 2 cores shared with other builds (load 7-9): apt ~1
# min, build ~12, ctest ~22, most of it the model's and encoder's tests under emulation
# (bert_model_test ~8 min per variant); an unchanged build is only the ctest part. qemu says
# nothing about NEON's speed.
# Env: JOBS (build and ctest parallelism, default 2), CTEST_ARGS (extra ctest arguments).
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-}
case $target in
  aarch64) debian_arch=arm64 triple=aarch64-linux-gnu ;;
  *) echo "usage: $0 aarch64" >&2; exit 2 ;;
esac
JOBS=${JOBS:-2}
build=build-$target

packages=(g++-$triple qemu-user "libgtest-dev:$debian_arch" libeigen3-dev nlohmann-json3-dev cmake)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "$0: missing packages ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  dpkg --print-foreign-architectures | grep -qx "$debian_arch" || dpkg --add-architecture "$debian_arch"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchains/$triple.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DBERTCPP_BUILD_TESTS=ON -DBERTCPP_BUILD_PYTHON=OFF \
  -DBERTCPP_BUILD_CLI=OFF -DBERTCPP_BUILD_BENCH=OFF -DBERTCPP_BUILD_FUZZERS=OFF >/dev/null
cmake --build "$build" -j"$JOBS"
# Under qemu a process start costs seconds, so each binary of the stages that compute runs
# once per variant (label "variants": [generic], [neon]) rather than once per test case too;
# the kernel tests, the tokenizer and the input-handling tests run case by case. The check of
# the variants' objects runs the host's nm, which reads ARM objects too.
ctest --test-dir "$build" --output-on-failure -j"$JOBS" -L '^(variants|kernels|tokenizer|reliability)$' ${CTEST_ARGS:-}
