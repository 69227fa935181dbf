#!/usr/bin/env bash
# scripts/area.sh [--check] HW.yaml [TESSEL]
#
# Synthesises the bundled RTL (rtl/tsl_core.sv and its units, without the
# simulation-only DRAM port of rtl/sim/) for one hardware description with
# Yosys to generic gates, and prints the cell counts.  Scratchpads, queues
# and the shared level stay memories ($mem_v2 cells, one per memory); their
# bits are the description's capacities.  Yosys's coarse synthesis (`synth
# -run begin:fine`: width reduction, resource sharing) then the fine steps
# without mapping memories to flip-flops.  Hierarchical: each distinct unit
# (a multiplier, a dot product, an ALU lane) is synthesised once and counted
# per instance, since flattening thousands of multipliers takes Yosys hours.
# It still takes minutes (half an hour for server-wide), so the result is
# cached per description fingerprint and sources (the RTL, the generated
# header and this script) in $XDG_CACHE_HOME/tessel/area/ (~/.cache without
# it) and a second run prints it at once.  With --check, it only reads and
# elaborates the RTL (seconds): what the rtl.yosys test runs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
check=false
if [ "${1:-}" = --check ]; then check=true; shift; fi
hw=${1:?usage: scripts/area.sh [--check] HW.yaml [TESSEL]}
tessel=${2:-$here/build/tessel}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$tessel" isa "$hw" --format verilog -o "$work/tessel_isa.vh"
srcs=""
for f in tsl_core tsl_fifo tsl_spad tsl_dma tsl_shared tsl_loop tsl_gemm tsl_mul tsl_alu tsl_alu_lane tsl_fp; do
  srcs="$srcs $here/rtl/$f.sv"
done
if $check; then
  yosys -q -p "read_verilog -sv -I$work -I$here/rtl $srcs; hierarchy -check -top tsl_core; proc" > "$work/yosys.log" 2>&1 ||
    { cat "$work/yosys.log" >&2; exit 1; }
  echo "yosys $(yosys -V | awk '{print $2}') reads and elaborates the RTL for $(basename "$hw")"
  exit 0
fi
fp=$("$tessel" check "$hw" | sed -n 's/.*fingerprint \([0-9a-f]*\).*/\1/p')
[ -n "$fp" ] || { echo "area.sh: no fingerprint from tessel check $hw" >&2; exit 1; }
sources=$(cat $srcs "$work/tessel_isa.vh" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tessel/area/$fp-$sources.txt
if [ -s "$cache" ]; then
  cat "$cache"
  exit 0
fi
cat > "$work/area.ys" <<YS
read_verilog -sv -I$work -I$here/rtl $srcs
synth -top tsl_core -run begin:fine
opt -fast -full; techmap; opt -fast
abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt -fast
tee -o $work/stat.txt stat -top tsl_core
YS
yosys -q -l "$work/yosys.log" -s "$work/area.ys" > /dev/null 2>&1 || { cat "$work/yosys.log" >&2; exit 1; }
{
  echo "area of the RTL for $(basename "$hw") (Yosys $(yosys -V | awk '{print $2}'), generic gates):"
  # the whole design's totals (each unit counted once per instance)
  sed -n '/=== design hierarchy ===/,$p' "$work/stat.txt" | sed -n '/Number of cells/,$p' | sed '/^$/d'
} > "$work/area.txt"
mkdir -p "$(dirname "$cache")" && cp "$work/area.txt" "$cache.$$" && mv "$cache.$$" "$cache"
cat "$work/area.txt"
