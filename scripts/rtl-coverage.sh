#!/usr/bin/env bash
# scripts/rtl-coverage.sh [-n PROGRAMS] [-k KNOBS[:COUNT]]... [-w WORKLOAD.yaml]... [-p PROG.tsp]... [-o OUT] [-t TESSEL] HW.yaml...
#
# Line and toggle coverage of the bundled RTL (docs/rtl.md, "Coverage"):
# for each hardware description, PROGRAMS random programs (tessel randprog,
# seeds 1..PROGRAMS, default 20), for each -k COUNT more (default 1) made
# with `tessel randprog --knobs KNOBS` (seeds 1001..1000+COUNT), every
# WORKLOAD compiled for it (one that does not compile for it is skipped,
# with tessel's reason) and every PROG given run on the Verilated model
# built with coverage (TESSEL_RTL_COVERAGE); the counts of every run are merged into
# OUT/merged.dat (default build/rtl-coverage), annotated per source line in
# OUT/annotated/ (lines marked '%000000' were never reached), and summarised
# per module in OUT/summary.txt, which is also printed:
#
#   module            lines   hit      %   toggles   hit      %
#
# A line point is a statement or branch Verilator counts; a toggle point one
# bit of a signal, hit when it rose and fell.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage() { echo "usage: scripts/rtl-coverage.sh [-n PROGRAMS] [-k KNOBS[:COUNT]]... [-w WORKLOAD.yaml]... [-p PROG.tsp]... [-o OUT] [-t TESSEL] HW.yaml..." >&2; exit 2; }
programs=20 out=$here/build/rtl-coverage tessel=$here/build/tessel
workloads=() progs=() knobs=()
while getopts "n:k:w:p:o:t:" opt; do
  case $opt in
    n) programs=$OPTARG ;;
    k) knobs+=("$OPTARG") ;;
    w) workloads+=("$(realpath "$OPTARG")") ;;
    p) progs+=("$(realpath "$OPTARG")") ;;
    o) out=$OPTARG ;;
    t) tessel=$(realpath "$OPTARG") ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
case $programs in ''|*[!0-9]*) usage ;; esac
for k in ${knobs[@]+"${knobs[@]}"}; do
  case $k in *:*) case ${k#*:} in ''|*[!0-9]*) usage ;; esac ;; esac
done
mkdir -p "$out" && out=$(realpath "$out")
rm -rf "$out/dat" "$out/annotated" "$out/src" "$out/work"
mkdir -p "$out/dat" "$out/src" "$out/work"
export TESSEL_RTL_COVERAGE=$out/dat

run() { # run PROG.tsp: on the coverage model, quietly unless it fails
  "$tessel" run "$1" --device rtl > "$out/work/run.log" 2>&1 || { cat "$out/work/run.log" >&2; exit 1; }
}
for hw in "$@"; do
  name=$(basename "$hw" .yaml)
  for seed in $(seq 1 "$programs"); do
    "$tessel" randprog --seed "$seed" --iterations 2 --hw "$hw" -o "$out/work/$name-$seed.tsp"
    run "$out/work/$name-$seed.tsp"
  done
  for k in ${knobs[@]+"${knobs[@]}"}; do
    count=1
    case $k in *:*) count=${k#*:} k=${k%%:*} ;; esac
    for seed in $(seq 1001 $((1000 + count))); do
      prog=$out/work/$name-$(echo "$k" | tr , +)-$seed.tsp
      "$tessel" randprog --seed "$seed" --iterations 2 --knobs "$k" --hw "$hw" -o "$prog"
      run "$prog"
    done
  done
  for wl in ${workloads[@]+"${workloads[@]}"}; do
    prog=$out/work/$name-$(basename "$wl" .yaml).tsp
    # a workload the description cannot run (an fp16 one on an int8
    # description) is skipped with tessel's reason, so that one list of
    # workloads serves every description
    if ! "$tessel" compile "$wl" --hw "$hw" -o "$prog" > /dev/null 2> "$out/work/compile.log"; then
      echo "rtl-coverage: skipped $(basename "$wl") on $name: $(head -1 "$out/work/compile.log")" >&2
      continue
    fi
    run "$prog"
  done
done
for p in ${progs[@]+"${progs[@]}"}; do run "$p"; done

verilator_coverage --write "$out/merged.dat" "$out"/dat/*.dat > /dev/null
# Annotation reads the sources by the names the model was built from.
cp "$here"/rtl/*.sv "$here"/rtl/sim/*.sv "$out/src/"
(cd "$out/src" && verilator_coverage --annotate-min 1 --annotate "$out/annotated" "$out/merged.dat" > /dev/null)

# Points of merged.dat: C '<\001key\002value...>' COUNT, the file under key
# "f", the kind under "page" (v_line, v_branch: lines; v_toggle: toggles).
# Every source is listed, one this configuration does not elaborate (the
# floating-point units of an integer one) with no points.
awk -v sources="$(cd "$out/src" && ls *.sv)" '
  BEGIN { n = split(sources, src, "\n"); for (i = 1; i <= n; i++) files[src[i]] = 1 }
  /^C / {
    n = split($0, kv, "\001"); file = ""; kind = ""
    for (i = 2; i <= n; i++) {
      split(kv[i], p, "\002")
      if (p[1] == "f") file = p[2]
      if (p[1] == "page") { kind = p[2]; sub(/\/.*/, "", kind) }
    }
    count = $NF
    t = kind == "v_toggle" ? "t" : "l"
    total[file, t]++; if (count > 0) hit[file, t]++
    files[file] = 1
  }
  function pct(h, n) { return n ? sprintf("%5.1f", 100 * h / n) : "    -" }
  END {
    printf "%-18s %7s %7s %6s %9s %7s %6s\n", "module", "lines", "hit", "%", "toggles", "hit", "%"
    nf = 0; for (f in files) names[++nf] = f
    for (i = 1; i <= nf; i++) for (j = i + 1; j <= nf; j++) if (names[j] < names[i]) { s = names[i]; names[i] = names[j]; names[j] = s }
    for (i = 1; i <= nf; i++) {
      f = names[i]
      printf "%-18s %7d %7d %6s %9d %7d %6s\n", f, total[f, "l"], hit[f, "l"], pct(hit[f, "l"], total[f, "l"]),
             total[f, "t"], hit[f, "t"], pct(hit[f, "t"], total[f, "t"])
      L += total[f, "l"]; LH += hit[f, "l"]; T += total[f, "t"]; TH += hit[f, "t"]
    }
    printf "%-18s %7d %7d %6s %9d %7d %6s\n", "total", L, LH, pct(LH, L), T, TH, pct(TH, T)
  }' "$out/merged.dat" > "$out/summary.txt"
cat "$out/summary.txt"
echo "annotated sources: $out/annotated (lines marked %000000 were never reached)"
