#!/bin/sh
# test_headers.sh — every public header compiles, alone and all together, as
# C99, C11 and C++17 with -pedantic and warnings as errors, and a C++
# translation unit that calls otter refers to the C symbol (extern "C"),
# not a mangled one.
#
#   test_headers.sh SOURCE_DIR TAP_FILE
set -u
src=$1 tap=$2
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
: >"$tap"
n=0 failed=0
result() {   # result OK|FAIL NAME [LOG]
  n=$((n + 1))
  if [ "$1" = OK ]; then
    echo "ok $n - $2" | tee -a "$tap"
  else
    failed=$((failed + 1))
    echo "not ok $n - $2" | tee -a "$tap"
    [ -s "${3:-/dev/null}" ] && sed 's/^/  # /' "$3" | head -20 | tee -a "$tap"
  fi
}
check() {    # check NAME COMMAND...
  name=$1; shift
  if "$@" >"$work/log" 2>&1; then result OK "$name"; else result FAIL "$name" "$work/log"; fi
}

headers=$(cd "$src/include" && ls otter/*.h)
[ -n "$headers" ] || { result FAIL "public headers found under $src/include"; exit 1; }
for h in $headers; do echo "#include <$h>"; done >"$work/all.c"
echo 'int otter_headers_compile(void) { return OT_API_CHECK; }' >>"$work/all.c"

cc=${CC:-cc} cxx=${CXX:-c++}
flags="-pedantic -Wall -Wextra -Werror -DOT_API_CHECK=0 -I$src/include"
for std in c99 c11; do
  check "all headers as $std -pedantic" $cc -std=$std $flags -c "$work/all.c" -o "$work/all-$std.o"
  for h in $headers; do
    printf '#include <%s>\n' "$h" >"$work/one.c"
    check "$h alone as $std" $cc -std=$std $flags -c "$work/one.c" -o "$work/one.o"
  done
done
cp "$work/all.c" "$work/all.cc"
check "all headers as c++17 -pedantic" $cxx -std=c++17 $flags -c "$work/all.cc" -o "$work/all-cxx.o"

# A C++ caller must reach ot_strerror under its C name.
cat >"$work/call.cc" <<'CC'
#include <otter/base.h>
const char *otter_first_error() { return ot_strerror(0); }
CC
if $cxx -std=c++17 $flags -c "$work/call.cc" -o "$work/call.o" >"$work/log" 2>&1 &&
   nm -u "$work/call.o" >"$work/syms" 2>>"$work/log" && grep -qx ' *U ot_strerror' "$work/syms"; then
  result OK "a C++ caller refers to ot_strerror unmangled"
else
  cat "$work/syms" >>"$work/log" 2>/dev/null
  result FAIL "a C++ caller refers to ot_strerror unmangled" "$work/log"
fi
echo "1..$n" >>"$tap"
[ "$failed" -eq 0 ]
