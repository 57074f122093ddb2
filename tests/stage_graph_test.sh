#!/bin/sh
# The library's stages form a graph that points one way (CMakeLists.txt, bertcpp_stage): a stage
# may include headers of the stages it stands on, never of one above it or beside it.
#   sh tests/stage_graph_test.sh <source dir>
# Checks src/<stage>/, include/bertcpp/<stage>/, include/bertcpp/detail/<stage>/ and the
# top-level public headers each stage owns.
set -eu
root=${1:-.}
cd "$root"

# What each stage may include besides itself (its own stage and everything it links).
allowed() {
  case $1 in
    runtime) echo "runtime" ;;
    kernels) echo "runtime kernels" ;;
    tokenizer) echo "runtime tokenizer" ;;
    loaders) echo "runtime kernels loaders" ;;
    model) echo "runtime kernels tokenizer loaders model" ;;
    pooling) echo "runtime kernels tokenizer loaders model pooling" ;;
    heads) echo "runtime kernels tokenizer loaders model heads" ;;
    encoder) echo "runtime kernels tokenizer loaders model pooling heads encoder" ;;
  esac
}

# The stage that owns an included header ("" for one outside the library or header-only).
owner() {
  case $1 in
    bertcpp/types.h|bertcpp/version.h) echo runtime ;;
    bertcpp/cpu.h) echo kernels ;;
    bertcpp/encoder.h|bertcpp/bertcpp.h|bertcpp/detail/all.h) echo encoder ;;
    bertcpp/matrix.h) echo "" ;;
    bertcpp/detail/*/*) echo "$1" | cut -d/ -f3 ;;
    bertcpp/*/*) echo "$1" | cut -d/ -f2 ;;
    runtime/*|kernels/*|tokenizer/*|loaders/*|model/*|pooling/*|heads/*|encoder/*) echo "$1" | cut -d/ -f1 ;;
    *) echo "" ;;
  esac
}

# The files a stage is made of.
files_of() {
  for d in "src/$1" "include/bertcpp/$1" "include/bertcpp/detail/$1"; do
    [ -d "$d" ] && find "$d" -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.inc' \)
  done
  case $1 in
    runtime) echo include/bertcpp/types.h ;;
    kernels) echo include/bertcpp/cpu.h ;;
    encoder) printf '%s\n' include/bertcpp/encoder.h include/bertcpp/bertcpp.h include/bertcpp/detail/all.h ;;
  esac
}

status=0
for stage in runtime kernels tokenizer loaders model pooling heads encoder; do
  ok=" $(allowed $stage) "
  for f in $(files_of $stage); do
    for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1/p' "$f"); do
      o=$(owner "$h")
      [ -z "$o" ] && continue
      case "$ok" in
        *" $o "*) ;;
        *) echo "$f ($stage) includes $h ($o): $stage does not stand on $o"; status=1 ;;
      esac
    done
  done
done
[ $status -eq 0 ] && echo "stage graph: every include points down"
exit $status
