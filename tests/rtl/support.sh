#!/bin/sh
# support.sh TESSEL SRCDIR: `tessel check` says which configurations the RTL
# implements, and why not for the others (docs/rtl.md).
set -eu
tessel=$1 src=$2
expect() { # expect HW LINE
  got=$("$tessel" check "$src/examples/hw/$1.yaml" | grep '^rtl:')
  [ "$got" = "$2" ] || { echo "FAIL: $1: got '$got', expected '$2'" >&2; exit 1; }
  echo "$1: $got"
}
expect vta-default "rtl: supported"
expect edge-tiny "rtl: supported"
expect dot-i8 "rtl: supported"
expect mma-fp16 "rtl: supported"
expect server-wide "rtl: supported"
expect vector-mac "rtl: not supported: a tile spanning several buffer elements"

# Each reason a description the loader accepts can have, on a variant of
# vta-default made here (docs/rtl.md, "Supported configurations").
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base=$src/examples/hw/vta-default.yaml
variant() { # variant NAME EXPECTED-LINE: check $work/NAME.yaml
  got=$("$tessel" check "$work/$1.yaml" | grep '^rtl:') || { echo "FAIL: $1: no rtl: line" >&2; exit 1; }
  [ "$got" = "$2" ] || { echo "FAIL: $1: got '$got', expected '$2'" >&2; exit 1; }
  echo "$1: $got"
}
sed 's/^  load: 32$/  load: 300/' "$base" > "$work/deep-queues.yaml"
variant deep-queues "rtl: not supported: instruction queues deeper than 255"
awk '{print} /initiation_interval: 1/ && !done {
  print "  - name: gemm2\n    expr: \"acc[i, j] += inp[i, k] * wgt[j, k]\"\n    dims: {i: 1, j: 16, k: 16}"
  print "    operands:\n      acc: {buffer: acc, dtype: int32}\n      inp: {buffer: inp, dtype: int8}\n      wgt: {buffer: wgt, dtype: int8}"
  print "    latency: 4\n    initiation_interval: 1"; done = 1 }' "$base" > "$work/two-intrinsics.yaml"
variant two-intrinsics "rtl: supported"
sed 's/dims: {i: 1, j: 16, k: 16}/dims: {i: 2, j: 16, k: 16}/' "$base" > "$work/two-row-tiles.yaml"
variant two-row-tiles "rtl: not supported: a tile spanning several buffer elements"
awk '/name: inp/ {f = 1} f && /port_bits: 128/ {sub(/128/, "256")} f && /bandwidth: 16/ {sub(/16/, "32"); f = 0} {print}' \
  "$base" > "$work/wide-port.yaml"
variant wide-port "rtl: supported"
awk '/name: uop/ {f = 1} f && /port_bits:/ {sub(/port_bits: [0-9]+/, "port_bits: 544")}
     f && /bandwidth:/ {sub(/bandwidth: [0-9]+/, "bandwidth: 68"); f = 0} {print}' "$base" > "$work/many-lanes.yaml"
variant many-lanes "rtl: not supported: level 'uop' moves 17 elements per cycle (bandwidth 68 / 4 bytes; at most 16)"

# the shared level (rtl/tsl_shared.sv), on variants of server-wide
sw=$src/examples/hw/server-wide.yaml
sed 's/elem_shape: \[64\]/elem_shape: [48]/; s/capacity: 8 MiB/capacity: 6 MiB/' "$sw" > "$work/odd-words.yaml"
variant odd-words "rtl: supported"
awk '{print} /^  shared:$/ {print "    - name: l3\n      capacity: 16 MiB\n      elem_shape: [64]\n      dtype: int8"
     print "      port_bits: 2048\n      bandwidth: 256\n      latency: 8"}' "$sw" |
  sed 's/^  max_pad: 15$/  max_pad: 7/' > "$work/two-shared.yaml"  # a fourth level widens buf: a narrower pad keeps 128 bits
variant two-shared "rtl: not supported: more than one shared level (a memory hierarchy deeper than three levels)"

# floating point (rtl/tsl_fp.sv): fp16 products into fp32 sums only
fp=$src/examples/hw/mma-fp16.yaml
sed 's/dtype: fp32/dtype: fp16/; s/capacity: 64 KiB/capacity: 32 KiB/' "$fp" > "$work/fp16-acc.yaml"
variant fp16-acc "rtl: not supported: fp16 accumulation (floating-point intrinsics accumulate in fp32)"
sed 's/^  imm_bits: 16$/  imm_bits: 25/; s/^  instruction_bits: 128$/  instruction_bits: 256/' "$fp" > "$work/wide-imm.yaml"
variant wide-imm "rtl: not supported: ALU immediates wider than 24 bits on a floating-point accumulator (not exact in fp32)"
