#!/usr/bin/env bash
# scripts/rtl-soak.sh [-n PROGRAMS] [-i ITERATIONS] [-k KNOBS] [-s FIRST_SEED] [-b BUILD] HW.yaml...
#
# The RTL soak (docs/rtl.md, "Soak"): for each hardware description,
# PROGRAMS random programs (default 10000; seeds FIRST_SEED.., default 1;
# ITERATIONS each, default 2; `tessel randprog --knobs KNOBS` when given)
# co-simulated on the C simulator and the Verilated RTL by BUILD's
# tests/rtl/rtl_random (default build/), which compares every byte of DRAM
# and every statistic, cycles first.  Prints a report, one line per
# description, and exits 1 when any program mismatched (each mismatch is
# listed with its seed above the report).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage() { echo "usage: scripts/rtl-soak.sh [-n PROGRAMS] [-i ITERATIONS] [-k KNOBS] [-s FIRST_SEED] [-b BUILD] HW.yaml..." >&2; exit 2; }
programs=10000 iterations=2 knobs="" first=1 build=$here/build
while getopts "n:i:k:s:b:" opt; do
  case $opt in
    n) programs=$OPTARG ;;
    i) iterations=$OPTARG ;;
    k) knobs=$OPTARG ;;
    s) first=$OPTARG ;;
    b) build=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
for v in "$programs" "$iterations" "$first"; do case $v in ''|*[!0-9]*) usage ;; esac; done
runner=$build/tests/rtl/rtl_random
[ -x "$runner" ] || { echo "rtl-soak: no $runner; build the tests first" >&2; exit 2; }
report=() failed=0
for hw in "$@"; do
  start=$(date +%s)
  set +e
  line=$("$runner" "$hw" "$first" "$programs" "$iterations" ${knobs:+"$knobs"} | tee /dev/stderr | tail -1)
  rc=$?
  set -e
  [ $rc -eq 0 ] || failed=1
  report+=("$line ($(( $(date +%s) - start )) s)")
done
echo "RTL soak report ($(date -u +%Y-%m-%d), verilator $(verilator --version | awk '{print $2}')):"
printf '  %s\n' "${report[@]}"
exit $failed
