#!/bin/sh
# tlm_test.sh TESSEL TESSEL_TLM SIM_REF (PROG.s | WORKLOAD.yaml) WORKDIR [HW.yaml]
# Runs one program (assembled, or compiled from a workload) on the SystemC virtual platform and on the
# standalone C simulator, and checks that
#   - the output segments are identical, byte for byte;
#   - at the description's DRAM latency the cycle counts are identical (and
#     equal to `tessel run`'s), and SystemC time advanced by cycles x period;
#   - at other memory latencies the cycle count differs (and outputs do not).
set -eu
tessel=$1 tlm=$2 ref=$3 src=$4 work=$5 hw=${6:-}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
field() { sed -n "s/^$1: *\([0-9]*\).*/\1/p" "$2"; } # field NAME FILE

case "$src" in *.yaml) make=compile ;; *) make=asm ;; esac
if [ -n "$hw" ]; then "$tessel" $make "$src" --hw "$hw" -o prog.tsp; else "$tessel" $make "$src" -o prog.tsp; fi
"$ref" prog.tsp ref.dump > ref.out
ref_cycles=$(field cycles ref.out)
"$tessel" run prog.tsp --json > run.json
grep -q "\"cycles\": *$ref_cycles," run.json || fail "tessel run disagrees with dev_sim: $(cat run.json)"

"$tlm" prog.tsp --dump-outputs tlm.dump > tlm.out
cat tlm.out
cmp ref.dump tlm.dump || fail "outputs differ from the standalone simulator (ref.dump, tlm.dump)"
[ -s ref.dump ] || fail "the program has no outputs"
tlm_cycles=$(field cycles tlm.out)
[ "$tlm_cycles" = "$ref_cycles" ] || fail "cycles: tlm $tlm_cycles, standalone $ref_cycles"
# run time: T ps (C cycles x P ps): SystemC time advanced by exactly C x P.
set -- $(sed -n 's/^run time: \([0-9]*\) ps (\([0-9]*\) cycles x \([0-9]*\) ps)$/\1 \2 \3/p' tlm.out)
[ $# -eq 3 ] && [ "$1" -eq $(($2 * $3)) ] || fail "SystemC time is not cycles x period: $(grep 'run time' tlm.out)"

# Every DRAM access of the run went through the accelerator's socket: the
# bytes the bus carried for it are the simulator's DRAM traffic (+ the probe).
# A program of several runs (steps) has one probe per run; the driver's gathers go through its own socket.
set -- $(sed -n 's/^accelerator memory traffic: read \([0-9]*\) B (\([0-9]*\) of them the latency probe), written \([0-9]*\) B$/\1 \2 \3/p' tlm.out)
[ $# -eq 3 ] || fail "no memory traffic line"
grep -q "\"read_bytes\": *$(($1 - $2)),\"written_bytes\": *$3," run.json ||
  fail "the socket carried $1 B read (with $2 B of probes) and $3 B written; dev_sim: $(cat run.json)"

latency=$(field "memory latency" tlm.out)
for other in 0 $((latency + 50)); do
  "$tlm" prog.tsp --mem-latency $other --dump-outputs other.dump > other.out
  c=$(field cycles other.out)
  [ "$c" != "$ref_cycles" ] || fail "at memory latency $other the cycle count is still $c"
  cmp ref.dump other.dump || fail "at memory latency $other the outputs differ"
  echo "memory latency $other: $c cycles (at $latency: $ref_cycles)"
done
echo "PASS: outputs identical, $ref_cycles cycles on both"
