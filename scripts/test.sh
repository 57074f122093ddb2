#!/usr/bin/env bash
# Quick start 2: build bertcpp and run every test: GoogleTest (ctest), then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)"
.venv/bin/python -m pytest tests/python -q
