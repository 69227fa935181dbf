#!/bin/sh
# sweep_test.sh TESSEL SRCDIR WORKDIR: tessel sweep on a small sweep (the
# GEMM workload on vta-default, DRAM bandwidth x input buffer x DRAM
# energy, an invalid value and a constraint).  Each point that ran is
# checked against `tessel exec` and `tessel area` of the same description
# written here by hand; the Pareto front is recomputed from the points; the
# CSV agrees with the JSON; an interrupted sweep resumes to the same
# results; a tuned sweep runs; and the errors.
tessel=$1; src=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
wl=$src/examples/workloads; hw=$src/examples/hw

. "$(dirname "$0")/checks.sh"
check() { # check DESCRIPTION PYTHON-SCRIPT ARGS...: the script exits 0
  what=$1; shift
  if python3 "$@" >"$work/py" 2>&1; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $what"; sed 's/^/  | /' "$work/py"; fi
}

cat >"$work/small.yaml" <<YAML
name: small
hardware: $hw/vta-default.yaml
workloads: [$wl/gemm.yaml]
budget: 0
axes:
  - name: bandwidth
    path: memory.dram.bandwidth
    values: [4, 8]
  - name: inp
    path: memory.scratchpads.inp.capacity
    values: [16 KiB, 64 KiB, 100 B]
  - path: energy.dram.read
    values: [100, 243.75]
constraints:
  - memory.scratchpads.inp.capacity * 8 <= memory.scratchpads.wgt.capacity
YAML
expect 0 "sweep small --json" "$tessel" sweep "$work/small.yaml" --out "$work/res" --db "$work/tune.db" --json
cp "$work/out" "$work/small.json"
expect 0 "sweep small (text, the same directory: nothing to run again)" "$tessel" sweep "$work/small.yaml" --out "$work/res" --db "$work/tune.db"
contains "$work/out" "12 points (4 run, 4 invalid, 4 excluded, 0 failed)" "the points by status"
contains "$work/out" "is not a whole number of elements" "an invalid point says why"
contains "$work/out" "constraint 'memory.scratchpads.inp.capacity * 8 <= memory.scratchpads.wgt.capacity' does not hold" "an excluded point says which constraint"

# the example sweep's points are what docs/sweep.md says (24 run, 3 invalid),
# on the GEMM workload instead of ResNet-18 to be quick
sed -e "s|^hardware: .*|hardware: $hw/vta-default.yaml|" -e "s|^workloads: .*|workloads: [$wl/gemm.yaml]|" \
  -e 's/^budget: [0-9]*/budget: 0/' "$src/examples/sweeps/resnet18-array.yaml" >"$work/example.yaml"
expect 0 "the example sweep" "$tessel" sweep "$work/example.yaml" --out "$work/example"
contains "$work/out" "27 points (24 run, 3 invalid, 0 excluded, 0 failed)" "the example sweep's points"
expect 0 "the example's report of point 14" "$tessel" report "$work/example" --html "$work/example.html" --point 14

# a loader's message of 400 bytes is the reason whole, in the table and the CSV
cat >"$work/narrow.yaml" <<YAML
name: narrow
hardware: $hw/vta-default.yaml
workloads: [$wl/gemm.yaml]
budget: 0
axes:
  - path: isa.instruction_bits
    values: [64]
YAML
expect 0 "sweep narrow" "$tessel" sweep "$work/narrow.yaml" --out "$work/narrow"
tail="lower the limits that set the widest fields (buffer depths, dram.address_bits, dma limits, isa.max_loop_extent, alu.imm_bits)"
contains "$work/out" "but isa.instruction_bits is 64; raise instruction_bits or $tail" "the reason whole in the table"
contains "$work/narrow/results.csv" "$tail" "the reason whole in the CSV"

# each point that ran against exec and area of its description written here
cat >"$work/points.py" <<'PY'
import json, subprocess, sys
tessel, src, work = sys.argv[1:4]
doc = json.load(open(f"{work}/small.json"))
base = open(f"{src}/examples/hw/vta-default.yaml").read()
assert len(doc["points"]) == 12, len(doc["points"])
ran = 0
for p in doc["points"]:
    a = p["axes"]
    if p["status"] != "ok":
        continue
    text = base.replace("bandwidth: 8          # bytes per cycle", f"bandwidth: {a['bandwidth']}  # bytes per cycle", 1)
    text = text.replace("capacity: 32 KiB", f"capacity: {a['inp']}", 1)
    text += f"\nenergy:\n  dram: {{read: {a['energy.dram.read']}}}\n"
    path = f"{work}/point{p['point']}.yaml"
    open(path, "w").write(text)
    ex = json.loads(subprocess.run([tessel, "exec", f"{src}/examples/workloads/gemm.yaml", "--hw", path, "--json"],
                                   check=True, capture_output=True, text=True).stdout)
    ar = json.loads(subprocess.run([tessel, "area", path, "--json"], check=True, capture_output=True, text=True).stdout)
    cyc = sum(o["cycles"] for o in ex["ops"] if o["cycles"] is not None)
    assert p["cycles"] == cyc == ex["cycles"], (p["point"], p["cycles"], cyc)
    assert abs(p["energy"]["total_pj"] - ex["energy"]["total_pj"]) <= 1e-9 * ex["energy"]["total_pj"], p["point"]
    assert abs(p["seconds"] - cyc / 100e6) <= 1e-12, p["point"]
    area = ar["total_mm2"]
    assert abs(p["area_mm2"] - area) <= 1e-5 * area, (p["area_mm2"], area)
    assert [o["op"] for o in p["ops"]] == [e["name"] for e in ex["ops"]], p["point"]
    for o, e in zip(p["ops"], ex["ops"]):  # the machine's bound as exec gives it
        assert o["bound_cycles"] == e["bound"]["cycles"] and o["bound_by"] == e["bound"]["binding"], (p["point"], o, e["bound"])
    ran += 1
assert ran == 4, ran
# the front, recomputed: no other point that ran is at least as good everywhere and better somewhere
ok = [p for p in doc["points"] if p["status"] == "ok"]
key = lambda p: (p["seconds"], p["energy"]["total_pj"], p["area_mm2"])
for p in doc["points"]:
    dom = any(all(x <= y for x, y in zip(key(q), key(p))) and key(q) != key(p) for q in ok) if p["status"] == "ok" else True
    assert p["pareto"] == (not dom), p["point"]
assert any(p["pareto"] for p in ok)
# more bandwidth is never slower; the DRAM energy scales with its figure
for p in ok:
    for q in ok:
        if p["axes"]["inp"] == q["axes"]["inp"] and p["axes"]["energy.dram.read"] == q["axes"]["energy.dram.read"] \
           and int(p["axes"]["bandwidth"]) < int(q["axes"]["bandwidth"]):
            assert p["cycles"] >= q["cycles"], (p["point"], q["point"])
PY
check "each point's cycles, energy and area are exec's and area's; the Pareto front" "$work/points.py" "$tessel" "$src" "$work"

cat >"$work/csv_check.py" <<'PY'
import csv, json, sys
work = sys.argv[1]
doc = json.load(open(f"{work}/small.json"))
rows = list(csv.DictReader(open(f"{work}/res/results.csv")))
assert len(rows) == len(doc["points"])
for r, p in zip(rows, doc["points"]):
    assert int(r["point"]) == p["point"] and r["status"] == p["status"] and r["bandwidth"] == p["axes"]["bandwidth"]
    assert r["pareto"] == ("1" if p["pareto"] else "0")
    if p["status"] == "ok":
        assert int(r["cycles"]) == p["cycles"]
        assert abs(float(r["energy_pj"]) - p["energy"]["total_pj"]) <= 1e-6 * p["energy"]["total_pj"]
PY
check "the CSV holds what the JSON says" "$work/csv_check.py" "$work"

# an interrupted sweep: points taken out of its database are run again, the rest kept
cat >"$work/cut.py" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM points WHERE idx IN (0, 7)")
db.execute("DELETE FROM ops WHERE point IN (0, 7)")
db.commit()
assert db.execute("SELECT COUNT(*) FROM points").fetchone()[0] == 10
PY
check "taking two points out" "$work/cut.py" "$work/res/results.db"
expect 0 "the sweep resumed" "$tessel" sweep "$work/small.yaml" --out "$work/res" --db "$work/tune.db" --json
if cmp -s "$work/out" "$work/small.json"; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: the resumed sweep's results differ from the first run's"; fi

# results written before the machine's bound: the ops table gains its
# columns when the sweep resumes; the points it held have none, the points
# run again have theirs
cp -r "$work/res" "$work/old"
cat >"$work/old.py" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("ALTER TABLE ops DROP COLUMN bound")
db.execute("ALTER TABLE ops DROP COLUMN bound_by")
db.execute("DELETE FROM points WHERE idx = 0")
db.execute("DELETE FROM ops WHERE point = 0")
db.commit()
PY
check "results without the bound's columns" "$work/old.py" "$work/old/results.db"
expect 0 "report on results without the bound's columns" "$tessel" report "$work/old" --html "$work/old.html"
expect 0 "a sweep resumed into results without the bound's columns" "$tessel" sweep "$work/small.yaml" --out "$work/old" --db "$work/tune.db" --json
cat >"$work/old_check.py" <<'PY'
import json, sys
new, first = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for p, q in zip(new["points"], first["points"]):
    for o, r in zip(p["ops"], q["ops"]):
        if p["point"] == 0:
            assert o == r, (o, r)
        else:
            assert o["bound_cycles"] is None and o["bound_by"] is None and o["cycles"] == r["cycles"], o
PY
check "the points held have no bound, the point run again has its own" "$work/old_check.py" "$work/out" "$work/small.json"

# results whose bounds an older rule worked out (user_version 2, before
# the bias's cost was counted): the
# points held lose them, the point run again has its own
cp -r "$work/res" "$work/rule1"
cat >"$work/rule1.py" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE ops SET bound = 12345")
db.execute("DELETE FROM points WHERE idx = 0")
db.execute("DELETE FROM ops WHERE point = 0")
db.execute("PRAGMA user_version = 2")
db.commit()
PY
check "results with bounds of an older rule" "$work/rule1.py" "$work/rule1/results.db"
expect 0 "a sweep resumed into results with bounds of an older rule" "$tessel" sweep "$work/small.yaml" --out "$work/rule1" --db "$work/tune.db" --json
check "the points held lose the older bounds, the point run again has its own" "$work/old_check.py" "$work/out" "$work/small.json"
cat >"$work/rule2.py" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA user_version").fetchone()[0] == 3
assert db.execute("SELECT COUNT(*) FROM ops WHERE bound = 12345").fetchone()[0] == 0
PY
check "the results are marked with the current rule" "$work/rule2.py" "$work/rule1/results.db"

# another sweep in the same directory is refused
sed 's/values: \[4, 8\]/values: [4, 16]/' "$work/small.yaml" >"$work/other.yaml"
expect 1 "another sweep into the same results" "$tessel" sweep "$work/other.yaml" --out "$work/res" --db "$work/tune.db"
contains "$work/err" "holds the results of another sweep" "the refusal says why"

# a tuned sweep: every point runs, and its measurements are in the tuning records
sed -e 's/budget: 0/budget: 2/' -e 's/values: \[16 KiB, 64 KiB, 100 B\]/values: [32 KiB]/' "$work/small.yaml" >"$work/tuned.yaml"
expect 0 "a tuned sweep" "$tessel" sweep "$work/tuned.yaml" --out "$work/tuned" --db "$work/tuned.db" --json
cat >"$work/tuned.py" <<'PY'
import json, sqlite3, sys
doc = json.load(open(sys.argv[1]))
assert [p["status"] for p in doc["points"]] == ["ok"] * 4, doc["points"]
n = sqlite3.connect(sys.argv[2]).execute("SELECT COUNT(*) FROM records").fetchone()[0]
assert n >= 2, n
PY
cp "$work/out" "$work/tuned.json"
check "the tuned sweep's points ran and left records" "$work/tuned.py" "$work/tuned.json" "$work/tuned.db"
# records an earlier lowering measured are kept, said, and not taken: the ops are measured again
old_rows=$(python3 -c "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('UPDATE records SET lowering = 0'); db.commit(); print(db.execute('SELECT COUNT(*) FROM records').fetchone()[0])" "$work/tuned.db")
expect 0 "a tuned sweep over records of an earlier lowering" "$tessel" sweep "$work/tuned.yaml" --out "$work/tuned2" --db "$work/tuned.db" --json
contains "$work/err" "$old_rows tuning records measured by an earlier version of the lowering are kept but not used" "the sweep says so"
new_rows=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM records WHERE lowering != 0').fetchone()[0])" "$work/tuned.db")
[ "$new_rows" -ge 2 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: the sweep over old records measured $new_rows"; }

# an ONNX model among the workloads (its float convolution runs on the host; the GEMM on the accelerator)
cat >"$work/onnx.yaml" <<YAML
name: onnx
hardware: $hw/vta-default.yaml
workloads: [{file: /usr/include/onnx/backend/test/data/node/test_conv_with_strides_padding/model.onnx}, $wl/gemm.yaml]
axes:
  - path: memory.dram.bandwidth
    values: [4, 8]
    labels: ['4 B "narrow"', fast]
YAML
expect 0 "a sweep with an ONNX model" "$tessel" sweep "$work/onnx.yaml" --out "$work/onnx" --db "$work/tune.db" --json
cat >"$work/onnx.py" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for p in doc["points"]:
    assert p["status"] == "ok", p
    assert {o["workload"] for o in p["ops"]} >= {"test_conv_with_strides_padding", "gemm"}, p["ops"]
    assert any(o["device"] == "host" for o in p["ops"]) and any(o["device"] == "sim" for o in p["ops"])
assert [p["axes"]["memory.dram.bandwidth"] for p in doc["points"]] == ['4 B "narrow"', "fast"]  # labels as written
PY
cp "$work/out" "$work/onnx.json"
check "the ONNX model's ops are in every point" "$work/onnx.py" "$work/onnx.json"

# errors: located in the sweep file, exit 1; bad usage, exit 2
bad() { # bad NAME EXPECTED-TEXT: the sweep file NAME.yaml (below) is refused with the text
  expect 1 "sweep $1" "$tessel" sweep "$work/$1.yaml" --out "$work/bad-$1" --db "$work/tune.db"
  contains "$work/err" "$2" "sweep $1's error"
}
sed 's/^budget: 0/budjet: 0/' "$work/small.yaml" >"$work/key.yaml"
bad key "key.yaml:4:1: error: unknown key 'budjet'"
sed 's/memory.dram.bandwidth/memory.dram.bandwith/' "$work/small.yaml" >"$work/path.yaml"
bad path "path.yaml:6:5: error: axis 'bandwidth': path 'memory.dram.bandwith' is not in the description: unknown key 'bandwith' in dram"
sed 's/capacity \* 8 <=/capacity * 8 <= name +/' "$work/small.yaml" >"$work/cons.yaml"
bad cons "cons.yaml:15:5: error: constraint 'memory.scratchpads.inp.capacity * 8 <= name + memory.scratchpads.wgt.capacity': 'name' is not a number"
sed 's/values: \[4, 8\]/range: {from: 8, to: 4, step: 1}/' "$work/small.yaml" >"$work/range.yaml"
bad range "range.yaml:8:12: error: expected range"
sed 's/values: \[4, 8\]/range: {from: 0, to: 8, times: 2}/' "$work/small.yaml" >"$work/range0.yaml"
bad range0 "range0.yaml:8:12: error: expected range {from: A, to: B, step: S} or {from: A, to: B, times: F} with A <= B, and F > 1 and A > 0 with times"
sed 's/values: \[4, 8\]/range: {from: -1, to: 8, step: 1}/' "$work/small.yaml" >"$work/rangeneg.yaml"
bad rangeneg "rangeneg.yaml:8:19: error: expected a non-negative number for 'from' in range, got '-1'"
# a range may start at 0: a DRAM latency of 0 and of 16 cycles
cat >"$work/latency.yaml" <<YAML
name: latency
hardware: $hw/vta-default.yaml
workloads: [$wl/gemm.yaml]
budget: 0
axes:
  - path: memory.dram.latency
    range: {from: 0, to: 16, step: 16}
YAML
expect 0 "a range from 0" "$tessel" sweep "$work/latency.yaml" --out "$work/latency"
contains "$work/out" "2 points (2 run, 0 invalid" "both latencies ran"
sed 's/name: inp$/name: bandwidth/' "$work/small.yaml" >"$work/samename.yaml"
bad samename "samename.yaml:9:5: error: axis 'bandwidth' has the name of axis 1 (line 6); expected a name of its own"
sed 's/path: memory.scratchpads.inp.capacity/path: memory.dram.bandwidth/' "$work/small.yaml" >"$work/samepath.yaml"
bad samepath "samepath.yaml:9:5: error: axis 'inp' sets path 'memory.dram.bandwidth', which axis 1 ('bandwidth', line 6) sets; a path is set by one axis"
sed 's/^axes:/axes: []\nunused:/' "$work/small.yaml" >"$work/noaxes.yaml"
bad noaxes "expected a sequence of 1 to 8 axes for 'axes', got 0 axes"
sed 's/values: \[4, 8\]/values: [4, 8]\n    labels: [four]/' "$work/small.yaml" >"$work/labels.yaml"
bad labels "labels.yaml:9:13: error: expected a sequence of 2 labels, one per value, for 'labels', got 1 label"
# a report on results whose point's axes are not JSON names the point
cp -r "$work/res" "$work/badjson"
cat >"$work/badjson.py" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE points SET axes = '{not json' WHERE idx = 1")
db.commit()
PY
check "a point's axes made not JSON" "$work/badjson.py" "$work/badjson/results.db"
expect 1 "report on results with a point's axes not JSON" "$tessel" report "$work/badjson" --html "$work/badjson.html"
contains "$work/err" "badjson/results.db: point 1: its axes are not a JSON object" "the report names the point"
expect 1 "a missing sweep file" "$tessel" sweep "$work/none.yaml"
expect 2 "no sweep file" "$tessel" sweep
expect 2 "two sweep files" "$tessel" sweep "$work/small.yaml" "$work/small.yaml"

echo "sweep: $pass passed, $fail failed"
[ "$fail" = 0 ]
