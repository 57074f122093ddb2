#!/bin/sh
# Each kernel variant's object must define only its own namespace's functions: a weak symbol
# (an inline function or template instantiation the compiler chose not to inline) could be
# merged by the linker with another variant's copy, and the generic variant would then run
# AVX-512 instructions on a CPU without them. Usage: check_variant_symbols.sh OBJECT...
status=0
for object in "$@"; do
  variant=$(basename "$(dirname "$object")")
  shared=$(nm -C --defined-only "$object" | awk '$2 ~ /^[WVvwuiI]$/')
  foreign=$(nm -C --defined-only "$object" | awk '$2 == "T"' | grep -v ' bertcpp::kernels::[a-z0-9_]*::')
  if [ -n "$shared$foreign" ]; then
    echo "$object ($variant) exports symbols another variant could share:"
    echo "$shared$foreign"
    status=1
  fi
done
[ $status -eq 0 ] && echo "$# kernel variant objects: no shared symbols"
exit $status
