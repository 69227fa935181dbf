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
# The cells of each unit tsl_core instantiates, its own units included, and
# of tsl_core's own logic: what scripts/area-calibrate.py fits the area model
# of hwdesc/area.c to.  stat prints each module's gates and the modules it
# instantiates (a cell whose type is a module); a parameterised module's
# name is $paramod\NAME\P=s32'BITS... (or $paramod$HASH\NAME).
units() {
  awk '
    function base(m,   n, i, p, out, kv) {
      n = split(m, p, "\\")
      if (n == 1) return m
      out = p[2]
      for (i = 3; i <= n; i++) {
        split(p[i], kv, "=")
        out = out " " kv[1] "=" value(kv[2])
      }
      return out
    }
    function value(v,   bits, i, x) {  # s32'"'"'0101 -> 5
      if (v !~ /^s?[0-9]+'"'"'[01]+$/) return v
      bits = substr(v, index(v, "'"'"'") + 1)
      x = 0
      for (i = 1; i <= length(bits); i++) x = 2 * x + substr(bits, i, 1)
      return x
    }
    function total(m,   c, n) {  # gates of m with its units
      if (m in done) return tot[m]
      n = own[m]
      for (c in sub_n) if (index(c, m SUBSEP) == 1) n += sub_n[c] * total(substr(c, length(m) + 2))
      done[m] = 1
      tot[m] = n
      return n
    }
    function totff(m,   c, n) {
      n = ownff[m]
      for (c in sub_n) if (index(c, m SUBSEP) == 1) n += sub_n[c] * totff(substr(c, length(m) + 2))
      return n
    }
    function instances(m,   c, n, p) {  # of m in the design
      if (m == "tsl_core") return 1
      n = 0
      for (c in sub_n) {
        split(c, p, SUBSEP)
        if (p[2] == m) n += sub_n[c] * instances(p[1])
      }
      return n
    }
    /^=== design hierarchy ===/ { mod = ""; next }
    /^=== .* ===$/ { mod = $2; order[++nmod] = mod; next }
    mod != "" && NF == 2 && $2 ~ /^[0-9]+$/ && $1 !~ /^Number/ {
      if ($1 ~ /^\$_/) { own[mod] += $2; if ($1 ~ /DFF/) ownff[mod] += $2 }
      else if ($1 !~ /^\$mem/) sub_n[mod SUBSEP $1] = $2  # a unit (memories are not gates)
    }
    END {
      print "units of tsl_core (cells of one instance with its own units, flip-flops of them):"
      for (i = 1; i <= nmod; i++) {
        m = order[i]
        if (!((("tsl_core" SUBSEP m) in sub_n))) continue
        printf "  %s: %d x %d cells, %d flip-flops\n", base(m), sub_n["tsl_core" SUBSEP m], total(m), totff(m)
      }
      printf "  tsl_core itself: 1 x %d cells, %d flip-flops\n", own["tsl_core"], ownff["tsl_core"]
      # the own gates of each module over all its instances, by name without
      # parameters: the multipliers of every dot product together
      print "modules by name (instances in the design, their own cells without their units):"
      for (i = 1; i <= nmod; i++) {
        m = order[i]
        b = base(m)
        sub(/ .*/, "", b)
        if (!(b in seen)) names[++nnames] = b
        seen[b] = 1
        inst_of[b] += instances(m)
        own_of[b] += instances(m) * own[m]
      }
      for (i = 1; i <= nnames; i++) printf "  %s: %d instances, %d cells\n", names[i], inst_of[names[i]], own_of[names[i]]
    }' "$1"
}
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
t0=$(date +%s)
yosys -q -l "$work/yosys.log" -s "$work/area.ys" > /dev/null 2>&1 || { cat "$work/yosys.log" >&2; exit 1; }
t1=$(date +%s)
{
  echo "area of the RTL for $(basename "$hw") (Yosys $(yosys -V | awk '{print $2}'), generic gates):"
  # the whole design's totals (each unit counted once per instance)
  sed -n '/=== design hierarchy ===/,$p' "$work/stat.txt" | sed -n '/Number of cells/,$p' | sed '/^$/d'
  units "$work/stat.txt"
  echo "synthesised in $((t1 - t0)) s"
} > "$work/area.txt"
mkdir -p "$(dirname "$cache")" && cp "$work/area.txt" "$cache.$$" && mv "$cache.$$" "$cache"
cat "$work/area.txt"
