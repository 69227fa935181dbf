#!/bin/sh
# odd_words.sh TESSEL RTL_RANDOM SRCDIR WORK: a shared level whose words are
# no whole number of its scratchpads' elements nor a part of one.  A variant
# of server-wide made here with 48-byte words in `gbuf` (a 128-byte element
# then reaches up to four words at any of their bytes) and an output port
# twice as fast (two DMA lanes: a store writes two elements per cycle, whose
# narrow values can share a word) is supported by the RTL; on its own model, the
# directed narrow and diagonal transfers with the shared level
# (shared_narrow.py) and random programs give the same memory and
# statistics on the RTL as on the simulator.
set -eu
tessel=$1 random=$2 src=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
hw=$work/odd-words.yaml
sed 's/^name: server-wide/name: odd-words/; s/elem_shape: \[64\]/elem_shape: [48]/; s/capacity: 8 MiB/capacity: 6 MiB/' \
  "$src/examples/hw/server-wide.yaml" |
  awk '/name: out$/ {f = 1} f && /port_bits: 1024/ {sub(/1024/, "2048")} f && /bandwidth: 128/ {sub(/128/, "256"); f = 0} {print}' > "$hw"
grep -q "elem_shape: \[48\]" "$hw" || { echo "FAIL: the odd-words variant was not made" >&2; exit 1; }
lanes=$("$tessel" isa "$hw" --format verilog | grep -c '^`define TSL_OUTPUT_LANES 2$')
[ "$lanes" -eq 1 ] || { echo "FAIL: the variant's output buffer does not have two lanes" >&2; exit 1; }
got=$("$tessel" check "$hw" | grep '^rtl:')
[ "$got" = "rtl: supported" ] || { echo "FAIL: $got" >&2; exit 1; }
/usr/bin/python3 "$src/tests/rtl/shared_narrow.py" "$tessel" "$hw" "$work/narrow" 8
"$random" "$hw" 1 40 2
