#!/usr/bin/env bash
# Builds everything under sanitizers and runs the GoogleTest suite.
#
#   scripts/sanitize.sh            # ASan + UBSan in build-asan, then TSan in build-tsan
#   scripts/sanitize.sh asan       # only one of them
#   scripts/sanitize.sh tsan
#
# ASan+UBSan runs every ctest test. TSan runs the tests that exercise threads (the encoder,
# the model's threaded products and attention, batch tokenization, tests/reliability's concurrency
# tests, the thread pool). The library's only threads are its own pool's, which TSan sees.
# Then, when .venv exists, the HTTP server's tests (tests/python/test_server*.py) run against
# that build's `bertcpp serve`: vectors are compared with a 1e-5 tolerance, since the sanitized
# server is compiled differently from the installed Python module.
# Env: TSAN_TESTS (ctest -R regex for the TSan run), CTEST_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] && MODES=("$@") || MODES=(asan tsan)
CTEST_JOBS=${CTEST_JOBS:-2}
TSAN_TESTS=${TSAN_TESTS:-Concurren|Thread|Parallel|Pool|Fork|Batch|Encoder|Forward|Tokenizer|PackedLinear}
COMMON=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBERTCPP_BUILD_PYTHON=OFF -DBERTCPP_BUILD_BENCH=OFF
        -DBERTCPP_BUILD_TESTS=ON)

for mode in "${MODES[@]}"; do
  case $mode in
    asan)
      cmake -S . -B build-asan "${COMMON[@]}" -DBERTCPP_SANITIZE=address,undefined >/dev/null
      cmake --build build-asan -j2
      # detect_leaks: a leak fails the test; halt_on_error: the first report fails it.
      ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -j"$CTEST_JOBS"
      if [ -x .venv/bin/python ]; then
        # ASan's quarantine holds freed blocks back (up to 256 MB) on purpose, so RSS cannot come
        # back down; LeakSanitizer checks the server's memory here instead of the RSS bound.
        BUILD_DIR=build-asan BERTCPP_SERVER_TOLERANCE=1e-5 BERTCPP_SERVER_CHECK_RSS=0 ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
          .venv/bin/python -m pytest tests/python/test_server.py tests/python/test_server_load.py -q
      fi
      ;;
    tsan)
      cmake -S . -B build-tsan "${COMMON[@]}" -DBERTCPP_SANITIZE=thread >/dev/null
      cmake --build build-tsan -j2
      TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
        ctest --test-dir build-tsan --output-on-failure -j"$CTEST_JOBS" -R "$TSAN_TESTS"
      if [ -x .venv/bin/python ]; then
        BUILD_DIR=build-tsan BERTCPP_SERVER_TOLERANCE=1e-5 BERTCPP_SERVER_CHECK_RSS=0 TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" \
          .venv/bin/python -m pytest tests/python/test_server.py tests/python/test_server_load.py -q
      fi
      ;;
    *) echo "usage: $0 [asan] [tsan]" >&2; exit 2 ;;
  esac
done
