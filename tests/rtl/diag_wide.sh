#!/bin/sh
# diag_wide.sh TESSEL RTL_DIAG RTL_RANDOM SRCDIR WORK: diagonal loads on a
# weight element with fewer rows than columns.  Every example's has at least
# as many rows as columns, so this variant of dot-i8 made here holds its
# weights transposed (elem_shape [4, 16], wgt[k, j]): its diagonal blocks
# are four 4 x 4 blocks side by side, value i of block d at row i, column
# (d - 1) * 4 + i (docs/isa.md, "A diagonal load").  The directed program of
# rtl_diag and random programs give the same memory and statistics on the
# RTL as on the simulator.
set -eu
tessel=$1 diag=$2 random=$3 src=$4 work=$5
rm -rf "$work" && mkdir -p "$work"
hw=$work/dot-i8-wide.yaml
sed -e 's/^name: dot-i8$/name: dot-i8-wide/' -e 's/elem_shape: \[16, 4\]/elem_shape: [4, 16]/' \
    -e 's/"acc\[j\] += inp\[k\] \* wgt\[j, k\]"/"acc[j] += inp[k] * wgt[k, j]"/' "$src/examples/hw/dot-i8.yaml" > "$hw"
shape=$("$tessel" isa "$hw" --format verilog | grep -c '^`define TSL_WEIGHT_\(ROWS 4\|COLS 16\|DIAG_BLOCKS 4\)$')
[ "$shape" -eq 3 ] || { echo "FAIL: the variant's weight element is not 4 x 16 with 4 diagonal blocks" >&2; exit 1; }
got=$("$tessel" check "$hw" | grep '^rtl:')
[ "$got" = "rtl: supported" ] || { echo "FAIL: $got" >&2; exit 1; }
"$diag" "$hw"
"$random" "$hw" 1 50 2
