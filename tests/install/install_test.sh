#!/bin/sh
# install_test.sh BUILD SRCDIR WORKDIR [CFLAGS]: `cmake --install` into a
# prefix; the embed example built against it three ways (pkg-config and the
# shared library, pkg-config --static and libtessel.a, find_package) runs a
# model the installed tessel compiled, on a new input, and writes what the
# installed host backend computes; the libraries export tessel_* and
# nothing else.  CFLAGS: what the build was compiled with that a program
# linking it needs too (the sanitizers).
build=$1; src=$2; work=$3; cflags=$4
rm -rf "$work"; mkdir -p "$work"
pass=0; fail=0
check() { # check DESCRIPTION CMD...
  what=$1; shift
  if "$@" >"$work/out" 2>"$work/err"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $what"; sed 's/^/  | /' "$work/out" "$work/err" | tail -20; fi
}
prefix=$work/prefix
check "cmake --install" cmake --install "$build" --prefix "$prefix"
for f in bin/tessel bin/tessel-tlm include/tessel.h lib/pkgconfig/tessel.pc lib/cmake/tessel/tesselConfig.cmake \
         lib/libtessel.a lib/libtessel.so; do
  check "installed $f" test -e "$prefix/$f"
done
libdir=$(dirname "$(find "$prefix" -name tessel.pc)")/..
check "the soname is versioned" sh -c "objdump -p '$libdir/libtessel.so' | grep -q 'SONAME *libtessel.so.0'"
# only the API is exported
exported() { nm "$@" 2>/dev/null | awk '$2 ~ /^[TDBRC]$/ {print $3}' | sort -u; }
check "libtessel.so exports tessel_* only" sh -c "test -z \"\$(nm -D --defined-only '$libdir/libtessel.so' | awk '\$2 ~ /^[TDBRC]\$/ {print \$3}' | grep -v '^tessel_' | grep -v '^_')\""
check "libtessel.a defines tessel_* only" sh -c "test -z \"\$(nm -g --defined-only '$libdir/libtessel.a' | awk '\$2 ~ /^[TDBRC]\$/ {print \$3}' | grep -v '^tessel_')\""
check "libtessel.so exports tessel_run" sh -c "nm -D --defined-only '$libdir/libtessel.so' | grep -q ' T tessel_run\$'"

# a model and a new input from the installed commands
wl=$src/examples/workloads
check "installed tessel compiles" "$prefix/bin/tessel" compile "$wl/mobilenet-dw.yaml" -o "$work/mb.tsp"
sed 's/^seed: .*/seed: 31337/' "$wl/mobilenet-dw.yaml" > "$work/new.yaml"
check "a new input" "$prefix/bin/tessel" host "$work/new.yaml" --output "image=$work/image.npy"
check "the host's result on it" "$prefix/bin/tessel" host "$wl/mobilenet-dw.yaml" --input "image=$work/image.npy" --output "pw2=$work/ref.npy"

export PKG_CONFIG_PATH=$libdir/pkgconfig
check "pkg-config knows tessel" pkg-config --exists tessel
cc=${CC:-cc}
check "embed builds with pkg-config" sh -c "$cc $cflags -Wall -Wextra -Werror -std=c99 '$src/examples/embed/embed.c' \$(pkg-config --cflags --libs tessel) -o '$work/embed'"
check "embed runs on the shared library" env LD_LIBRARY_PATH="$libdir" "$work/embed" "$work/mb.tsp" sim "image=$work/image.npy" "pw2=$work/got.npy"
cp "$work/out" "$work/embed.out"
check "its output is the host's" cmp "$work/got.npy" "$work/ref.npy"
check "tessel run on the same input" "$prefix/bin/tessel" run "$work/mb.tsp" --input "image=$work/image.npy"
cycles=$(awk '/^cycles/ {print $2}' "$work/out")
check "embed prints the cycles tessel run prints" grep -q "^sim: $cycles cycles" "$work/embed.out"
check "embed links statically" sh -c "$cc $cflags -std=c99 '$src/examples/embed/embed.c' \$(pkg-config --cflags tessel) '$libdir/libtessel.a' \$(pkg-config --static --libs tessel | sed 's/-ltessel//') -o '$work/embed-static'"
check "the static embed runs" "$work/embed-static" "$work/mb.tsp" sim "image=$work/image.npy" "pw2=$work/got-static.npy"
check "its output is the host's" cmp "$work/got-static.npy" "$work/ref.npy"
check "embed configures with find_package" cmake -S "$src/examples/embed" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$cflags"
check "and builds" cmake --build "$work/cmake-build"
check "that embed runs" env LD_LIBRARY_PATH="$libdir" "$work/cmake-build/embed" "$work/mb.tsp" "pw2=$work/got-cmake.npy"
check "on the compiled-in input it differs from the new one's" sh -c "! cmp -s '$work/got-cmake.npy' '$work/ref.npy'"
check "a bad model is an error, status 1" sh -c "LD_LIBRARY_PATH='$libdir' '$work/embed' '$work/image.npy'; test \$? = 1"

echo "install: $pass passed, $fail failed"
[ "$fail" = 0 ]
