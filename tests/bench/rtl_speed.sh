#!/bin/sh
# tests/bench/rtl_speed.sh TESSEL BENCH_RTL [THREADS...]: for every example
# configuration the RTL supports, the Verilated model built single-threaded
# and with each `--threads N` (TESSEL_RTL_THREADS, docs/rtl.md "Speed"):
# the time to build it (into a fresh cache, timed around the first `tessel
# run --device rtl`) and its simulated cycles per second on a random program
# (bench_rtl HW.yaml: seed 1, 64 iterations) and on a compiled workload.
# THREADS defaults to 2.  CONFIGS (environment) picks configurations by
# name, default all.  Prints one line per configuration and model.
set -eu
tessel=$(realpath "$1") bench=$(realpath "$2")
shift 2
threads=${*:-2}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
printf '%-12s %-9s %8s %14s %14s\n' hardware model "build s" "random cyc/s" "compiled cyc/s"
for pair in vta-default:gemm edge-tiny:mobilenet-dw dot-i8:resblock mma-fp16:fp16 \
  server-wide:gemm vta-dual:resblock; do
  hw=${pair%%:*} wl=${pair#*:}
  case " ${CONFIGS:-$hw} " in *" $hw "*) ;; *) continue ;; esac
  yaml=$src/examples/hw/$hw.yaml
  "$tessel" randprog --seed 0 --iterations 1 --hw "$yaml" -o "$work/tiny.tsp"
  "$tessel" compile "$src/examples/workloads/$wl.yaml" --hw "$yaml" -o "$work/$wl.tsp" > /dev/null
  for t in 0 $threads; do
    if [ "$t" = 0 ]; then unset TESSEL_RTL_THREADS; model=single; else export TESSEL_RTL_THREADS=$t; model="threads $t"; fi
    export XDG_CACHE_HOME=$work/cache-$hw-$t
    t0=$(now)
    "$tessel" run "$work/tiny.tsp" --device rtl > /dev/null 2>&1
    t1=$(now)
    rand=$("$bench" "$yaml" 1 64 | awk '/^rtl/ {print $3}')
    comp=$("$bench" "$work/$wl.tsp" | awk '/^rtl/ {print $3}')
    printf '%-12s %-9s %8.1f %14.0f %14.0f  (%s)\n' "$hw" "$model" "$(awk "BEGIN {print $t1 - $t0}")" "$rand" "$comp" "$wl"
  done
done
