#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for a bounded time.
#
#   scripts/fuzz.sh                      # every target, 30 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh safetensors_fuzzer tf_checkpoint_fuzzer
#
# Env: FUZZ_SECONDS (per target, default 30), BUILD_DIR (default build-fuzz), FUZZ_JOBS (targets
# run at once, default 1). The working corpus grows in $BUILD_DIR/corpus/<target>, seeded from
# fuzz/corpus/<target> and the test fixtures; crash reproducers land in $BUILD_DIR/artifacts/.
# Exit status is non-zero if any target found a crash, a leak, a timeout or a broken invariant.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_JOBS=${FUZZ_JOBS:-1}
SHARED=${BERTCPP_SHARED_DIR:-$ROOT/../shared}
ALL_TARGETS=(tokenizer_fuzzer vocab_fuzzer config_fuzzer safetensors_fuzzer tf_checkpoint_fuzzer pytorch_bin_fuzzer
  tokenizer_json_fuzzer st_modules_fuzzer server_request_fuzzer)
[ $# -gt 0 ] && TARGETS=("$@") || TARGETS=("${ALL_TARGETS[@]}")

CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBERTCPP_BUILD_FUZZERS=ON -DBERTCPP_BUILD_TESTS=OFF \
  -DBERTCPP_BUILD_PYTHON=OFF -DBERTCPP_BUILD_CLI=ON -DBERTCPP_BUILD_BENCH=OFF >/dev/null  # CLI: the server's library
cmake --build "$BUILD_DIR" --target "${TARGETS[@]}" -j2

# Seeds beyond the committed ones: fixtures that exist at run time (the TF checkpoint is
# third-party and is never committed; it is packed here into the harness's input layout).
seed() {
  local target=$1 dir=$BUILD_DIR/corpus/$1
  mkdir -p "$dir" "$BUILD_DIR/artifacts/$target"
  cp -n fuzz/corpus/"$target"/* "$dir"/ 2>/dev/null || true
  case $target in
    safetensors_fuzzer) cp -n tests/data/reference/keras_bert_tf_checkpoint_reference.safetensors "$dir"/ ;;
    config_fuzzer)
      cp -n models/bert-mini-uncased/config.json "$dir"/mini_config.json
      [ -f "$SHARED/fixtures/keras_bert_tf_checkpoint/bert_config.json" ] &&
        cp -n "$SHARED/fixtures/keras_bert_tf_checkpoint/bert_config.json" "$dir"/keras_bert_config.json ;;
    vocab_fuzzer)
      [ -f "$SHARED/fixtures/keras_bert_tf_checkpoint/vocab.txt" ] &&
        cp -n "$SHARED/fixtures/keras_bert_tf_checkpoint/vocab.txt" "$dir"/keras_vocab.txt ;;
    tf_checkpoint_fuzzer)
      local ckpt=$SHARED/fixtures/keras_bert_tf_checkpoint/bert_model.ckpt
      if [ -f "$ckpt.index" ]; then
        for flags in 0 1; do
          /usr/bin/python3 - "$ckpt" "$dir/keras_bert_$flags" "$flags" <<'PY'
import struct, sys
prefix, out, flags = sys.argv[1], sys.argv[2], int(sys.argv[3])
index = open(prefix + ".index", "rb").read()
data = open(prefix + ".data-00000-of-00001", "rb").read()
open(out, "wb").write(bytes([flags]) + struct.pack("<I", len(index)) + index + data)
PY
        done
      fi ;;
  esac
  true
}

run() {
  local target=$1 dict=() max_len=4096
  case $target in
    safetensors_fuzzer|config_fuzzer|st_modules_fuzzer|tokenizer_json_fuzzer|server_request_fuzzer) dict=(-dict=fuzz/json.dict) ;;
    tokenizer_fuzzer) dict=(-dict=fuzz/tokenizer.dict); max_len=16384 ;;
    tf_checkpoint_fuzzer) max_len=16384 ;;
  esac
  seed "$target"
  local log=$BUILD_DIR/artifacts/$target.log
  local status=0
  "$BUILD_DIR/fuzz/$target" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
    -max_len=$max_len -print_final_stats=1 -artifact_prefix="$BUILD_DIR/artifacts/$target/" "${dict[@]}" \
    "$BUILD_DIR/corpus/$target" >"$log" 2>&1 || status=$?
  local runs
  runs=$(grep -o "stat::number_of_executed_units: *[0-9]*" "$log" | tail -1 | grep -o "[0-9]*$" || echo "?")
  if [ $status -eq 0 ]; then
    printf '%-22s %12s executions in %ss, 0 crashes, corpus %s files\n' "$target" "$runs" "$FUZZ_SECONDS" \
      "$(ls "$BUILD_DIR/corpus/$target" | wc -l)"
  else
    printf '%-22s FAILED (exit %s) after %s executions: see %s and %s\n' "$target" "$status" "$runs" "$log" \
      "$BUILD_DIR/artifacts/$target/"
    grep -m3 -E 'ERROR|invariant|does not name|terminate' "$log" || true
  fi
  return $status
}

failed=0
if [ "$FUZZ_JOBS" -le 1 ]; then
  for t in "${TARGETS[@]}"; do run "$t" || failed=1; done
else
  pids=()
  for t in "${TARGETS[@]}"; do
    run "$t" & pids+=($!)
    while [ "$(jobs -rp | wc -l)" -ge "$FUZZ_JOBS" ]; do sleep 1; done
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
fi
exit $failed
