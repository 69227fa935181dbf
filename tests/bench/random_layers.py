#!/usr/bin/env python3
"""random_layers.py TESSEL SOURCE_DIR [BASE_TESSEL] [--seeds A-B] [--ops N]:
layer shapes nobody chose, run with their default mappings on every example
description that has integer intrinsics.

Each seed draws N int8 layers, each on its own input: convolutions (odd
channel counts, 1x1 to 7x5 kernels, strides 1 to 3, dilation 2,
asymmetric padding, 2 to 4 groups, 1-D rows), depthwise layers, dense
layers, matrix and batched matrix products of odd sizes, and max pools,
with a bias, a shift, a clip and sometimes a ReLU.  Every op runs with
`tessel exec --verify --json` (checked against the host backend); a
mismatch or an error is a failure.  Printed: per description the ops, the
sum of their cycles and the mean fraction of the machine's bound; with
BASE_TESSEL (another build), the same for it, the ratio of the sums, and
the ops whose cycles moved more than 2%.  Cycles are exact."""
import json
import os
import random
import subprocess
import sys
import tempfile

DESCRIPTIONS = ["vta-default", "vta-dual", "edge-tiny", "server-wide", "dot-i8", "vector-mac"]


def epilogue(r, name):
    relu = ", relu" if r.random() < 0.5 else ""
    return f"[{{bias: {name}_b}}, {{shr: {r.randint(4, 9)}}}, {{clip: [-128, 127]}}{relu}]"


def conv(r, n, kind, tensors, ops):
    """A convolution or depthwise layer, or None when its window does not fit."""
    h, w = r.randint(3, 40), r.randint(3, 40)
    c = r.choice([1, 2, 3, 5, 8, 13, 16, 24, 33, 64, 96])
    kh, kw = r.choice([1, 2, 3, 5, 7]), r.choice([1, 3, 5])
    if kind == "row":
        h, kh = 1, r.choice([1, 3])
    stride, dil = r.choice([1, 1, 2, 3]), r.choice([1, 1, 2])
    ph, pw = r.randint(0, kh // 2), r.randint(0, kw // 2)
    if h + 2 * ph < dil * (kh - 1) + 1 or w + 2 * pw < dil * (kw - 1) + 1:
        return
    window = f"stride: [{stride}, {stride}], pad: [{ph}, {pw}], dilation: [{dil}, {dil}]"
    if kind == "depthwise":
        tensors += [(f"{n}_x", [1, h, w, c]), (f"{n}_w", [c, kh, kw, 1]), (f"{n}_b", [c])]
        ops.append(f"{{name: {n}, op: depthwise, input: {n}_x, weight: {n}_w, dtype: int8, {window}, "
                   f"epilogue: {epilogue(r, n)}}}")
        return
    g = 1
    if kind == "grouped":
        g = r.choice([2, 3, 4])
        c = g * r.choice([1, 3, 8, 16])
    k = g * r.choice([1, 4, 7, 16, 20, 32, 48])
    tensors += [(f"{n}_x", [1, h, w, c]), (f"{n}_w", [k, kh, kw, c // g]), (f"{n}_b", [k])]
    ops.append(f"{{name: {n}, op: conv2d, input: {n}_x, weight: {n}_w, dtype: int8, {window}, groups: {g}, "
               f"epilogue: {epilogue(r, n)}}}")


def workload(seed, count):
    r = random.Random(seed)
    tensors, ops = [], []
    for i in range(count):
        n = f"op{i}"
        kind = r.choice(["conv", "conv", "depthwise", "dense", "matmul", "batched", "pool", "row", "grouped"])
        if kind in ("conv", "depthwise", "row", "grouped"):
            conv(r, n, kind, tensors, ops)
        elif kind == "dense":
            rows, k, m = r.randint(1, 70), r.randint(1, 300), r.randint(1, 200)
            tensors += [(f"{n}_x", [rows, k]), (f"{n}_w", [m, k]), (f"{n}_b", [m])]
            ops.append(f"{{name: {n}, op: dense, input: {n}_x, weight: {n}_w, dtype: int8, epilogue: {epilogue(r, n)}}}")
        elif kind == "matmul":
            m, k, cols = r.randint(1, 90), r.randint(1, 200), r.randint(1, 90)
            tensors += [(f"{n}_a", [m, k]), (f"{n}_c", [k, cols])]
            ops.append(f"{{name: {n}, op: matmul, a: {n}_a, b: {n}_c, dtype: int8, "
                       "epilogue: [{shr: 6}, {clip: [-128, 127]}]}")
        elif kind == "batched":
            b, m, k, cols = r.randint(1, 5), r.randint(1, 40), r.randint(1, 80), r.randint(1, 40)
            tensors += [(f"{n}_a", [b, m, k]), (f"{n}_c", [b, k, cols])]
            ops.append(f"{{name: {n}, op: batch_matmul, a: {n}_a, b: {n}_c}}")
        else:
            h, w, c, k, s = r.randint(4, 30), r.randint(4, 30), r.choice([3, 16, 40, 64]), r.choice([2, 3]), r.choice([1, 2])
            tensors.append((f"{n}_x", [1, h, w, c]))
            ops.append(f"{{name: {n}, op: max_pool, input: {n}_x, window: [{k}, {k}], stride: [{s}, {s}]}}")
    lines = [f"name: random{seed}", f"seed: {seed}", "tensors:"]
    for name, shape in tensors:
        bias = name.endswith("_b")
        lines.append(f"  - {{name: {name}, shape: {shape}, dtype: {'int32' if bias else 'int8'}"
                     + (", range: [-1024, 1023]}" if bias else "}"))
    return "\n".join(lines + ["ops:"] + [f"  - {o}" for o in ops]) + "\n"


def run(tessel, path, hw):
    """{op: (cycles, fraction of the bound)} of the accelerator's ops, or an error."""
    p = subprocess.run([tessel, "exec", path, "--hw", hw, "--verify", "--json"], capture_output=True, text=True,
                       timeout=900)
    if p.returncode:
        return f"exit {p.returncode}: {p.stderr.strip()[:300]}"
    ops = {}
    for o in json.loads(p.stdout)["ops"]:
        if o["placement"] != "accelerator" or not o["cycles"]:
            continue
        if o["verified"] is not True:
            return f"op {o['name']}: not verified ({o['mismatch']})"
        ops[o["name"]] = (o["cycles"], o["bound"]["fraction"] if o["bound"] else None)
    return ops


def main():
    args = sys.argv[1:]
    seeds, count = (1, 20), 10
    for flag in ("--seeds", "--ops"):
        if flag in args:
            i = args.index(flag)
            value = args[i + 1]
            del args[i:i + 2]
            if flag == "--seeds":
                lo, _, hi = value.partition("-")
                seeds = (int(lo), int(hi or lo))
            else:
                count = int(value)
    if len(args) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    builds = [args[0]] + args[2:]
    failures = 0
    totals = {}  # (build, hw) -> [ops, cycles, sum of fractions]
    moved = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(seeds[0], seeds[1] + 1):
            path = os.path.join(tmp, f"random{seed}.yaml")
            with open(path, "w") as f:
                f.write(workload(seed, count))
            for hw in DESCRIPTIONS:
                hw_path = os.path.join(args[1], "examples", "hw", hw + ".yaml")
                results = [run(b, path, hw_path) for b in builds]
                for b, res in enumerate(results):
                    if isinstance(res, str):
                        failures += 1
                        print(f"FAIL seed {seed} {hw} ({builds[b]}): {res}")
                        continue
                    t = totals.setdefault((b, hw), [0, 0, 0.0])
                    for cycles, frac in res.values():
                        t[0] += 1
                        t[1] += cycles
                        t[2] += frac or 0
                if len(results) == 2 and not any(isinstance(x, str) for x in results):
                    for op, (cycles, _) in results[0].items():
                        if op in results[1] and abs(cycles / results[1][op][0] - 1) > 0.02:
                            moved.append((cycles / results[1][op][0], seed, hw, op, results[1][op][0], cycles))
    print(f"seeds {seeds[0]}-{seeds[1]}, {count} layers each, default mappings, every op verified")
    print("| description | ops | cycles | mean of the bound |" + (" base cycles | base mean | cycles ÷ base |" if len(builds) == 2 else ""))
    print("| --- | --- | --- | --- |" + (" --- | --- | --- |" if len(builds) == 2 else ""))
    for hw in DESCRIPTIONS:
        t = totals.get((0, hw))
        if not t:
            continue
        row = f"| {hw} | {t[0]} | {t[1]} | {100 * t[2] / t[0]:.1f}% |"
        base = totals.get((1, hw))
        if base:
            row += f" {base[1]} | {100 * base[2] / base[0]:.1f}% | {t[1] / base[1]:.3f} |"
        print(row)
    if moved:
        print("\nops whose cycles moved more than 2% (cycles ÷ base, seed, description, op, base, cycles):")
        for m in sorted(moved):
            print(f"  {m[0]:.3f} seed {m[1]} {m[2]} {m[3]}: {m[4]} -> {m[5]}")
    print(f"\n{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
