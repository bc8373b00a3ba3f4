#!/bin/sh
# need.sh TAPFILE PROGRAM... -- COMMAND [ARG...]
#
# Runs COMMAND when every PROGRAM (a real peer: node, elixir, ...) is on the
# PATH. Otherwise writes TAPFILE with one failing case per missing program and
# exits 1: a test whose peer is missing fails, loudly and counted, instead of
# not being registered or reporting a skip (scripts/deps.sh installs them all).
tap=$1
shift
missing=
while [ $# -gt 0 ] && [ "$1" != -- ]; do
    command -v "$1" >/dev/null 2>&1 || missing="$missing $1"
    shift
done
if [ "$1" != -- ] || [ $# -lt 2 ]; then
    echo "usage: need.sh TAPFILE PROGRAM... -- COMMAND [ARG...]" >&2
    exit 2
fi
shift
if [ -n "$missing" ]; then
    n=0
    {
        echo "TAP version 13"
        for p in $missing; do
            n=$((n + 1))
            echo "not ok $n - $p is on the PATH (run scripts/deps.sh)"
        done
        echo "1..$n"
    } >"$tap"
    echo "missing on the PATH:$missing (run scripts/deps.sh)" >&2
    exit 1
fi
exec "$@"
