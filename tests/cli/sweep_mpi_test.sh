#!/bin/sh
# sweep_mpi_test.sh TESSEL SRCDIR WORKDIR: a sweep spread over MPI ranks
# (real mpirun, OpenMPI) gives what one process gives: the same points,
# figures, front and CSV, tuned and not; and an interrupted sweep resumed
# over ranks runs only the points missing.
tessel=$1; src=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
pass=0; fail=0
wl=$src/examples/workloads; hw=$src/examples/hw
root=; [ "$(id -u)" = 0 ] && root=--allow-run-as-root
mpi() { mpirun -np "$1" --oversubscribe $root "$tessel" sweep "$2" --out "$3" --db "$4" --json >"$3.json" 2>"$3.err"; }
same_results() { # same_results A B DESCRIPTION: the JSON documents but their results directory, and the CSVs
  if python3 - "$1.json" "$2.json" <<'PY' && cmp -s "$1/results.csv" "$2/results.csv"; then pass=$((pass + 1)); else
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
a.pop("results"); b.pop("results")
assert a == b and len(a["points"]) > 0, "the points differ"
PY
    fail=$((fail + 1)); echo "FAIL: $3"; sed 's/^/  | /' "$2.err" | head -20; fi
}
cat >"$work/s.yaml" <<YAML
name: mpi
hardware: $hw/vta-default.yaml
workloads: [$wl/gemm.yaml, $wl/resblock.yaml]
budget: 2
axes:
  - path: memory.dram.bandwidth
    values: [4, 8]
  - path: memory.scratchpads.acc.capacity
    values: [64 KiB, 128 KiB, 100 B]
  - path: energy.dram.read      # points that differ only here share a fingerprint and its records
    values: [100, 200]
YAML
"$tessel" sweep "$work/s.yaml" --out "$work/one" --db "$work/one.db" --json >"$work/one.json" 2>"$work/one.err" ||
  { fail=$((fail + 1)); echo "FAIL: the sweep in one process"; cat "$work/one.err"; }
for np in 2 3; do
  if mpi $np "$work/s.yaml" "$work/np$np" "$work/np$np.db"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: mpirun -np $np: exit status"; sed 's/^/  | /' "$work/np$np.err" | head; fi
  same_results "$work/one" "$work/np$np" "mpirun -np $np gives what one process gives"
done

# interrupted: three points taken out of rank 0's database, then resumed over three ranks
python3 - "$work/np3/results.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM points WHERE idx IN (1, 4, 10)"); db.execute("DELETE FROM ops WHERE point IN (1, 4, 10)")
db.commit()
PY
mpi 3 "$work/s.yaml" "$work/np3" "$work/np3.db" || { fail=$((fail + 1)); echo "FAIL: the resumed sweep over ranks"; }
same_results "$work/one" "$work/np3" "resumed over ranks, the same results"

echo "sweep.mpi: $pass passed, $fail failed"
[ "$fail" = 0 ]
