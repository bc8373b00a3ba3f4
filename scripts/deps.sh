#!/usr/bin/env bash
# deps.sh — the one dependency step of otter. Idempotent: checks each Debian
# package the project needs and installs the missing ones with apt-get when
# run as root; as another user it prints the exact apt-get line and stops.
# Then installs the project's pinned npm packages (web/package-lock.json)
# into the project when that file exists.
#
#   scripts/deps.sh            everything (build, tests, tour)
set -euo pipefail

packages=(
  gcc g++ make pkg-config meson ninja-build   # g++: the headers are checked as C++ too
  clang libclang-rt-14-dev         # libFuzzer and sanitizer runtimes for fuzzing
  libcriterion-dev                 # C unit tests
  libjansson-dev zlib1g-dev        # JSON, compressed terms
  libssl-dev                       # libcrypto: the distribution handshake's digest
  erlang-base erlang-dev elixir    # the real peers: term oracle, twins, nodes
  python3                          # test summary and benchmark report
  nodejs                           # a second JSON reader in the tests; runs the
                                   # Mermaid / Vega-Lite validators (tests/viz/)
  libmicrohttpd-dev                # the dashboard's HTTP server
  chromium                         # headless browser: reports and dashboard tests
  iproute2                         # ip(8): test_dist_netns's network namespace
  curl                             # test_cli asks otter observe over HTTP
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "otter needs these Debian packages: ${missing[*]}" >&2
    echo "Install them as root with:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -f "$root/web/package-lock.json" ]]; then
  if [[ ! -f "$root/web/node_modules/.package-lock.json" ||
        "$root/web/package-lock.json" -nt "$root/web/node_modules/.package-lock.json" ]]; then
    echo "deps: installing the pinned npm packages into web/node_modules"
    (cd "$root/web" && npm ci --no-audit --no-fund --ignore-scripts)
  fi
fi
