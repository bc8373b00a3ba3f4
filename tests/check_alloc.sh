#!/bin/sh
# check_alloc.sh SRC_DIR TAP_FILE — every allocation otter makes goes
# through src/base/alloc.h (so that fault injection reaches it): this
# fails, listing them, when a file of src/ other than src/base/alloc.c
# calls the C library's allocators directly. free() is allowed (ot__free
# is free(), and the public API returns memory to free with free()).
src=${1:?source dir}
tap=${2:?tap file}
pattern='(^|[^A-Za-z0-9_.>])(malloc|calloc|realloc|reallocarray|strdup|strndup|asprintf|vasprintf|open_memstream|open_wmemstream|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|getline|getdelim|scandir|wcsdup)[[:space:]]*\('
hits=$(cd "$src" && grep -rnE "$pattern" src --include='*.c' --include='*.h' | grep -v '^src/base/alloc\.c:')
# realpath(p, NULL) allocates too; realpath into a buffer does not.
hits2=$(cd "$src" && grep -rnE 'realpath[[:space:]]*\([^,]*,[[:space:]]*NULL' src --include='*.c' | grep -v '^src/base/alloc\.c:')
all=$(printf '%s\n%s\n' "$hits" "$hits2" | sed '/^$/d')
n=$(cd "$src" && find src -name '*.[ch]' | wc -l)
if [ -z "$all" ]; then
    printf 'TAP version 13\n1..1\nok 1 - no direct allocation in %s files of src/ outside src/base/alloc.c\n' "$n" >"$tap"
    echo "no direct allocation in $n files of src/"
    exit 0
fi
{
    printf 'TAP version 13\n1..1\nnot ok 1 - direct allocations in src/ (use ot__malloc and kin from base/alloc.h)\n'
    printf '%s\n' "$all" | sed 's/^/# /'
} >"$tap"
echo "direct allocations in src/ (use ot__malloc and kin from base/alloc.h):" >&2
printf '%s\n' "$all" >&2
exit 1
