#!/usr/bin/env bash
# scripts/setup.sh demo|test
#
# On a fresh Debian 12 machine (as root, or with sudo): installs the Debian
# packages tessel needs that are missing, builds it, and then
#   demo  runs the main demo (examples/demo.sh);
#   test  runs the whole test suite, once normally and once under
#         AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-}
case "$mode" in
  demo|test) ;;
  *) echo "usage: scripts/setup.sh demo|test" >&2; exit 2 ;;
esac

# Every Debian package the build and the tests use.
packages=(build-essential cmake pkg-config libyaml-dev libxxhash-dev libsqlite3-dev sqlite3 libsystemc-dev llvm-14-dev verilator yosys python3-jsonschema
  libopenblas-dev liblapacke-dev protobuf-c-compiler libprotobuf-c-dev libonnx-dev libonnx-testdata python3-onnx python3-numpy espeak-ng
  openmpi-bin libopenmpi-dev
  chromium valgrind)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm (the wake-word test's onnxruntime): Debian's, unless the
# machine has its own (a Node.js that bundles npm conflicts with Debian's npm)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc 2>/dev/null || echo 2)
build() { # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S "$here" -B "$dir" -DTESSEL_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

if [ "$mode" = demo ]; then
  build "$here/build" -DCMAKE_BUILD_TYPE=Release
  exec bash "$here/examples/demo.sh" "$here/build/tessel"
fi

build "$here/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
(cd "$here/build" && ctest --output-on-failure -j "$jobs")
# the sanitizer build reuses the RTL models the normal build's tests made
build "$here/build-asan" -DCMAKE_BUILD_TYPE=Debug -DTESSEL_SANITIZE=ON -DTESSEL_RTL_CACHE="$here/build/rtl-cache"
(cd "$here/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j "$jobs")
