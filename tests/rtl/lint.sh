#!/bin/sh
# lint.sh TESSEL SRCDIR WORK: verilator --lint-only -Wall on the RTL with the
# generated header of each supported example configuration; any warning fails.
set -eu
tessel=$1 src=$2 work=$3
for hw in vta-default edge-tiny dot-i8 mma-fp16 server-wide vta-dual; do
  mkdir -p "$work/$hw"
  "$tessel" isa "$src/examples/hw/$hw.yaml" --format verilog -o "$work/$hw/tessel_isa.vh"
  verilator --lint-only -Wall -I"$work/$hw" -I"$src/rtl" --top-module tsl_top \
    "$src/rtl/sim/tsl_top.sv" "$src"/rtl/tsl_*.sv
  echo "$hw: lint clean"
done
