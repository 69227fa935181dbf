#!/bin/sh
# mpi_test.sh TESSEL SRCDIR WORKDIR: work spread over MPI ranks (real
# mpirun, OpenMPI) gives what one process gives.  A sweep: the same points,
# figures, front and CSV, tuned and not, and an interrupted sweep resumed
# over ranks runs only the points missing.  A tune: the same mappings,
# cycles and measurements, recorded in the same order.
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

# tessel tune over ranks: each search round's measurements spread over them
"$tessel" tune "$wl/resblock.yaml" --budget 12 --db "$work/tune1.db" --json >"$work/tune1.json" 2>"$work/tune1.err" ||
  { fail=$((fail + 1)); echo "FAIL: tune in one process"; cat "$work/tune1.err"; }
for np in 2 3; do
  mpirun -np $np --oversubscribe $root "$tessel" tune "$wl/resblock.yaml" --budget 12 --db "$work/tune$np.db" --json \
    >"$work/tune-np$np.json" 2>"$work/tune-np$np.err" || { fail=$((fail + 1)); echo "FAIL: mpirun -np $np tessel tune"; cat "$work/tune-np$np.err"; }
  if python3 - "$work/tune1.json" "$work/tune-np$np.json" "$work/tune1.db" "$work/tune$np.db" <<'PY'; then pass=$((pass + 1)); else
import json, sqlite3, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for o in a["ops"] + b["ops"]:
    o.pop("seconds", None)
assert a == b, "the tuned ops differ"
assert sum(o["measurements"] or 0 for o in a["ops"]) > 20
q = "SELECT op_key, hw_key, bm, bn, bk, n_outer, ring_a, ring_b, ring_acc, keep_a, keep_b, direct, box_rows, cycles FROM records ORDER BY id"
ra, rb = (sqlite3.connect(f).execute(q).fetchall() for f in sys.argv[3:5])
assert ra == rb and len(ra) > 20, "the records differ"
PY
    fail=$((fail + 1)); echo "FAIL: mpirun -np $np tessel tune gives what one process gives"; fi
done

echo "mpi: $pass passed, $fail failed"
[ "$fail" = 0 ]
