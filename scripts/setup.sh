#!/usr/bin/env bash
# Installs what bertcpp needs from Debian (only what is missing), builds it, and installs the
# Python module into .venv. Idempotent and non-interactive; safe to run again.
#   scripts/setup.sh              build everything (library, tests, benchmarks, Python, CLI)
#   scripts/setup.sh TARGET...    build only these CMake targets (the Python module is always built)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config git
  libeigen3-dev nlohmann-json3-dev libcli11-dev libopenblas-dev
  libgtest-dev libbenchmark-dev pybind11-dev clang libclang-rt-14-dev
  python3-dev python3-venv python3-pip python3-setuptools python3-wheel python3-pybind11
  python3-numpy python3-pytest python3-sklearn python3-pandas python3-tqdm
  python3-matplotlib python3-nbconvert python3-nbformat python3-ipykernel jupyter-nbconvert
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_DIR=${BUILD_DIR:-build}
[ -x .venv/bin/python ] || /usr/bin/python3 -m venv --system-site-packages .venv
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE="$PWD/.venv/bin/python" \
  ${BERTCPP_CMAKE_ARGS:-} >/dev/null
if [ $# -gt 0 ]; then
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target _bertcpp "$@"
else
  cmake --build "$BUILD_DIR" -j"$(nproc)"
fi
# The pybind11 module (and the bertcpp command) go into .venv, built by the CMake run above.
cmake --install "$BUILD_DIR" --component python >/dev/null
