#!/usr/bin/python3
"""tests/rtl/fp_directed.py TESSEL HW.yaml WORK [SEED]: the floating-point
units of the RTL (rtl/tsl_fp.sv) on the values where IEEE arithmetic is
hard, on a description with fp16 operands and an fp32 accumulator
(mma-fp16).

Random programs rarely store what they compute, so this program does: it
loads fp16 operands and fp32 accumulators drawn to hit signed zeros,
infinities, NaNs (quiet and signalling, with payloads), subnormals, the
largest values and sums that round half-way, runs the intrinsic over them,
then every ALU operation on the drawn accumulators, with and without
immediates at their extremes, storing the output buffer after each.  Checked:

  1. `tessel cosim`: the simulator and the RTL agree on every byte and cycle;
  2. the simulator's results against numpy's IEEE arithmetic, computed here:
     the intrinsic (fp32 sums of exact fp16 products in increasing order of
     k, rounded to nearest even) and each ALU operation as
     docs/microarch.md defines it, narrowed to fp16; every NaN written as
     the canonical quiet NaN (0x7e00);
  3. that the data reach what they are drawn for: results that are NaN,
     infinite, subnormal and zero, and sums that were exactly half-way.
"""
import os
import subprocess
import sys

import numpy as np

E = 96  # tiles (accumulator elements) per run
ALU_OPS = ["min", "max", "add", "mul", "shr", "clip", "mov"]
IMMS = [0, 1, 3, -2, 24, -24, 32767, -32768]
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def halves(rng, n):
    """fp16 bit patterns: specials, subnormals, extremes, and values of nearby exponents (so sums tie)."""
    kind = rng.integers(0, 10, n)
    bits = np.empty(n, np.uint16)
    for i, k in enumerate(kind):
        sign = int(rng.integers(0, 2)) << 15
        if k == 0:
            v = int(rng.choice([0x0000, 0x7c00, 0x7e00, 0x7c01, 0x7d55, 0x7bff, 0x0400, 0x0001, 0x03ff]))
        elif k == 1:
            v = int(rng.integers(1, 0x400))  # subnormal
        elif k == 2:
            v = int(rng.integers(0, 0x7c00))  # any finite
        else:
            v = int(rng.integers(13, 18)) << 10 | int(rng.integers(0, 1 << 10))  # 2^-2 .. 2^2
        bits[i] = sign | v
    return bits


def singles(rng, n):
    """fp32 bit patterns for accumulators and the ALU's second operands (shift amounts among them)."""
    out = np.empty(n, np.uint32)
    for i in range(n):
        sign = int(rng.integers(0, 2)) << 31
        k = int(rng.integers(0, 8))
        if k == 0:
            v = int(rng.choice([0, 0x7f800000, 0x7fc00000, 0x7f800001, 0x7fa00000, 0x7f7fffff, 0x00800000, 1, 0x007fffff]))
        elif k == 1:
            v = int(rng.integers(1, 1 << 23))  # subnormal
        elif k == 2:
            v = int(np.float32(rng.integers(-40, 41)).view(np.uint32)) & 0x7fffffff  # whole shift amounts
        elif k == 3:
            v = int(np.float32(rng.uniform(0, 1100)).view(np.uint32))  # fractional and clamped amounts
        elif k == 4:
            v = int(rng.integers(0, 0x7f800000))
        else:
            v = int(rng.integers(125, 130)) << 23 | int(rng.integers(0, 1 << 23))
        out[i] = sign | v
    return out


def data(bits):
    b = bits.tobytes()
    return "\n".join(".data " + " ".join(str(x) for x in b[i:i + 16]) for i in range(0, len(b), 16))


def program(a, w, c, s, outs):
    lines = [
        f".segment a input size={a.nbytes}", data(a),
        f".segment w weight size={w.nbytes}", data(w),
        f".segment c input size={c.nbytes}", data(c),
        f".segment s input size={s.nbytes}", data(s),
    ]
    lines += [f".segment y{k} output size={E * 32}" for k in range(len(outs))]
    lines += [".uop dst=0 src=0 wgt=0", f".uop dst=0 src={E} wgt=0"]
    lines += [
        "load buf=uop idx=0 addr=@uops ysize=1 xsize=2 xstride=2",
        f"load buf=acc idx=0 addr=@c ysize=1 xsize={E} xstride={E}",
        f"load buf=acc idx={E} addr=@s ysize=1 xsize={E} xstride={E}",
        f"load buf=abuf idx=0 addr=@a ysize=1 xsize={E} xstride={E}",
        f"load buf=bbuf idx=0 addr=@w ysize=1 xsize={E} xstride={E} push_next",
        f"mma uop_begin=0 uop_end=1 iter_out={E} iter_in=1 dst_out=1 src_out=1 wgt_out=1 pop_prev push_next",
        f"store buf=out idx=0 addr=@y0 ysize=1 xsize={E} xstride={E} pop_prev push_prev",
    ]
    for k, (op, imm) in enumerate(outs[1:], 1):
        field = f"use_imm=1 imm={imm}" if imm is not None else ""
        lines.append(f"load buf=acc idx=0 addr=@c ysize=1 xsize={E} xstride={E}")  # x: the drawn values again
        lines.append(f"alu op={op} {field} uop_begin=1 uop_end=2 iter_out={E} iter_in=1 dst_out=1 src_out=1 "
                     "pop_next push_next")
        lines.append(f"store buf=out idx=0 addr=@y{k} ysize=1 xsize={E} xstride={E} pop_prev push_prev")
    lines.append("finish pop_next")
    return "\n".join(lines) + "\n"


def f32(bits):
    return bits.view(np.float32)


def alu(op, x, y):
    """One ALU operation on fp32 arrays as docs/microarch.md defines it (numpy's IEEE arithmetic)."""
    with np.errstate(all="ignore"):
        if op == "min":  # x (dst) where unordered or equal
            return np.where(y < x, y, x)
        if op == "max":
            return np.where(x < y, y, x)
        if op == "add":
            return (x + y).astype(np.float32)
        if op == "mul":
            return (x * y).astype(np.float32)
        if op == "shr":
            n = np.trunc(np.clip(np.nan_to_num(y.astype(np.float64)), -1000, 1000)).astype(np.int64)
            r = np.ldexp(x.astype(np.float64), -n).astype(np.float32)
            return np.where(np.isnan(y), np.float32(np.nan), r)
        if op == "clip":
            return np.where(x < -y, -y, np.where(x > y, y, x))
        return y.copy()


def narrow(x):
    """fp32 -> fp16 bits, rounded to nearest even; NaN as 0x7e00."""
    with np.errstate(all="ignore"):
        h = x.astype(np.float16).view(np.uint16).copy()
    h[np.isnan(x)] = 0x7e00
    return h


def mma(a, w, c):
    """acc[i, j] += a[i, k] * b[k, j] over 4x4 tiles, k in order, each sum rounded to fp32; and the count of
    sums that were exactly half-way between two fp32 values."""
    A = a.view(np.float16).astype(np.float64).reshape(E, 4, 4)
    B = w.view(np.float16).astype(np.float64).reshape(E, 4, 4)
    acc = f32(c.copy()).reshape(E, 4, 4).astype(np.float64)
    ties = 0
    with np.errstate(all="ignore"):
        for k in range(4):
            exact = acc + A[:, :, k:k + 1] * B[:, k:k + 1, :]  # exact: both terms have few bits
            r = exact.astype(np.float32).astype(np.float64)
            lo = np.nextafter(r.astype(np.float32), np.float32(-np.inf)).astype(np.float64)
            hi = np.nextafter(r.astype(np.float32), np.float32(np.inf)).astype(np.float64)
            ties += int(np.sum(np.isfinite(exact) & ((exact - lo == r - exact) | (hi - exact == exact - r)) & (exact != r)))
            acc = r
    return acc.astype(np.float32).reshape(-1), ties


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    tessel, hw, work = sys.argv[1:4]
    rng = np.random.default_rng(int(sys.argv[4]) if len(sys.argv) == 5 else 1)
    os.makedirs(work, exist_ok=True)
    a, w = halves(rng, E * 16), halves(rng, E * 16)
    c, s = singles(rng, E * 16), singles(rng, E * 16)
    outs = [("mma", None)] + [(op, None) for op in ALU_OPS] + [(op, i) for op in ALU_OPS for i in IMMS]
    src, prog = os.path.join(work, "fp.s"), os.path.join(work, "fp.tsp")
    with open(src, "w") as f:
        f.write(program(a, w, c, s, outs))
    subprocess.run([tessel, "asm", src, "--hw", hw, "-o", prog], check=True)
    r = subprocess.run([tessel, "cosim", prog, "--hw", hw], capture_output=True, text=True)
    print(r.stdout.strip() + r.stderr.strip())
    check(r.returncode == 0 and "sim and rtl agree" in r.stdout, "the simulator and the RTL agree")

    args = [tessel, "run", prog, "--hw", hw]
    for k in range(len(outs)):
        args += ["--output", f"y{k}={os.path.join(work, f'y{k}.npy')}"]
    subprocess.run(args, check=True, capture_output=True)
    got = [np.load(os.path.join(work, f"y{k}.npy")).view(np.uint16) for k in range(len(outs))]

    acc, ties = mma(a, w, c)
    want = [narrow(acc)]
    x, y = f32(c), f32(s)
    for op, imm in outs[1:]:
        acc = alu(op, x, y if imm is None else np.full_like(x, np.float32(imm))).astype(np.float32)
        acc[np.isnan(acc)] = np.float32(np.nan)
        want.append(narrow(acc))
    for (op, imm), g, wv in zip(outs, got, want):
        bad = int(np.sum(g != wv))
        check(bad == 0, f"{op}{'' if imm is None else f' imm={imm}'}: the simulator's {g.size} fp16 results "
              f"equal numpy's ({bad} differ)")
    allv = np.concatenate(want).view(np.float16)
    reached = {"NaN": np.isnan(allv).sum(), "infinite": np.isinf(allv).sum(), "zero": (allv == 0).sum(),
               "subnormal": ((allv != 0) & (np.abs(allv) < np.float16(6.1035e-05))).sum(), "half-way sums": ties}
    check(all(v > 0 for v in reached.values()),
          "the data reach " + ", ".join(f"{k} ({int(v)})" for k, v in reached.items()))
    if failures:
        sys.exit(f"fp_directed: {len(failures)} checks failed")


if __name__ == "__main__":
    main()
