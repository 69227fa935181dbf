#!/bin/sh
# int16.sh TESSEL RTL_RANDOM SRCDIR WORK: int16 operands and DMA lanes on the
# RTL.  A variant of vta-default made here whose input and weight
# scratchpads and intrinsic operands are int16 (elements and ports twice as
# wide), and whose accumulator and micro-op ports move two elements per
# cycle (two DMA lanes each, from DRAM), is supported by the RTL, and random
# programs, plain and with every knob, give the same memory and statistics
# on the RTL as on the simulator.
set -eu
tessel=$1 random=$2 src=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
hw=$work/vta-int16.yaml
sed -e 's/^name: vta-default/name: vta-int16/' \
    -e 's/inp: {buffer: inp, dtype: int8}/inp: {buffer: inp, dtype: int16}/' \
    -e 's/wgt: {buffer: wgt, dtype: int8}/wgt: {buffer: wgt, dtype: int16}/' "$src/examples/hw/vta-default.yaml" |
  awk '/name: (inp|wgt)$/ {f = 1} f && /dtype: int8/ {sub(/int8/, "int16"); f = 0}
       /name: wgt$/ {w = 1} w && /port_bits: 2048/ {sub(/2048/, "4096")} w && /bandwidth: 256/ {sub(/256/, "512"); w = 0}
       /name: acc$/ {a = 1} a && /port_bits: 512/ {sub(/512/, "1024")} a && /bandwidth: 64/ {sub(/64/, "128"); a = 0}
       /name: uop$/ {u = 1} u && /port_bits: 32/ {sub(/32/, "64")} u && /bandwidth: 4/ {sub(/4/, "8"); u = 0}
       {print}' > "$hw"
[ "$(grep -c "dtype: int16" "$hw")" -eq 4 ] || { echo "FAIL: the int16 variant was not made" >&2; exit 1; }
lanes=$("$tessel" isa "$hw" --format verilog | grep -c '^`define TSL_\(ACCUMULATOR\|UOP\)_LANES 2$')
[ "$lanes" -eq 2 ] || { echo "FAIL: the variant's accumulator and micro-op buffer do not have two lanes" >&2; exit 1; }
got=$("$tessel" check "$hw" | grep '^rtl:')
[ "$got" = "rtl: supported" ] || { echo "FAIL: $got" >&2; exit 1; }
"$random" "$hw" 1 50 2
"$random" "$hw" 1 10 2 all
