#!/usr/bin/env python3
"""tessel tune --retune (docs/tuning.md): a tune with budget N, then one with
--retune and budget M > N, checked against the records database read with
Python's sqlite3: the second measured M - N more mappings (none of the first
ones again), its result is the best cycles the database holds for the op,
and no worse than the first.  A tune without --retune takes the records and
says how to continue.

    retune_test.py TESSEL SOURCE_DIR WORK_DIR
"""
import json
import os
import sqlite3
import subprocess
import sys

tessel, src, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
db = os.path.join(work, "retune.db")
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(db + suffix):
        os.remove(db + suffix)

# One op, so every record in the database is its own; a space far larger
# than the budgets, so the search is never exhaustive.
workload = os.path.join(work, "one.yaml")
with open(workload, "w") as f:
    f.write("""name: one
tensors:
  - {name: a, shape: [200, 96], dtype: int8}
  - {name: b, shape: [96, 72], dtype: int8}
ops:
  - {name: mm, op: matmul, a: a, b: b}
""")

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def tune(*extra):
    run = subprocess.run([tessel, "tune", workload, "--db", db, "--seed", "3", *extra],
                         capture_output=True, text=True)
    if run.returncode:
        sys.exit("tessel tune %s failed (%d): %s" % (" ".join(extra), run.returncode, run.stderr))
    return run.stdout


def records():
    con = sqlite3.connect(db)
    rows = con.execute("SELECT intrinsic, input_a, dims, bm, bn, bk, n_outer, ring_a, ring_b, ring_acc,"
                       " keep_a, keep_b, direct, box_rows, cycles FROM records ORDER BY id").fetchall()
    con.close()
    return rows


N, M = 6, 20
first = json.loads(tune("--budget", str(N), "--json"))["ops"][0]
rows1 = records()
check(not first["exhaustive"] and first["space"] > M, "the space (%s) is larger than %d" % (first["space"], M))
check(len(rows1) == N == first["measurements"], "the first tune recorded %d of %d" % (len(rows1), N))
check(first["cycles"] == min(r[-1] for r in rows1), "the first result is its best measurement")

# Without --retune: the records, nothing measured, and how to go on.
text = tune("--budget", str(M))
check(len(records()) == N, "a tune without --retune measured nothing")
check(" records " in text and "--retune" in text, "the output says the records were reused and how to continue:\n" + text)

second = json.loads(tune("--budget", str(M), "--retune", "--json"))["ops"][0]
rows2 = records()
check(rows2[:N] == rows1, "the first tune's records are kept as they were")
check(len(rows2) == M, "after --retune with budget %d the database holds %d records" % (M, len(rows2)))
check(second["measurements"] == M - N and second["recorded"] == N and not second["from_records"],
      "--retune measured %d past %d records" % (second["measurements"], second["recorded"]))
mappings = [r[:-1] for r in rows2]
check(len(set(mappings)) == len(mappings), "no mapping was measured twice")
check(second["cycles"] == min(r[-1] for r in rows2), "the result is the best of all %d measurements" % len(rows2))
check(second["cycles"] <= first["cycles"], "the retuned result %d is no worse than %d" % (second["cycles"], first["cycles"]))
check(second["default_cycles"] == first["default_cycles"], "the default mapping's cycles come from its record")

# The same budget again: everything is in the records already.
third = json.loads(tune("--budget", str(M), "--retune", "--json"))["ops"][0]
check(len(records()) == M and third["measurements"] == 0 and third["cycles"] == second["cycles"],
      "--retune within the records measures nothing")

print("retune: %d failures" % len(failures))
sys.exit(1 if failures else 0)
