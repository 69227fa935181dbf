#!/usr/bin/python3
"""tests/rtl/dual_directed.py TESSEL HW.yaml WORK: each intrinsic's unit of a
description with `gemm` (acc[i, j] += inp[i, k] * wgt[j, k]) and `gemm_t`
(wgt[k, j]) on int8 tiles of 1x16 and 16x16 (tests/rtl/dual.sh makes it).

Random programs rarely store what they compute, and compiled workloads use
the first intrinsic, so this program runs both on the same random tiles and
stores each result.  Checked: `tessel cosim` (the simulator and the RTL agree
on every byte and cycle), and the simulator's results against numpy's
(the int32 sums wrapped, their low byte in the output buffer).
"""
import os
import subprocess
import sys

import numpy as np

N = 64  # tiles


def data(bits):
    b = bits.tobytes()
    return "\n".join(".data " + " ".join(str(x) for x in b[i:i + 16]) for i in range(0, len(b), 16))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    tessel, hw, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(7)
    a = rng.integers(-128, 128, (N, 16), dtype=np.int8)
    w = rng.integers(-128, 128, (N, 16, 16), dtype=np.int8)
    prog = f""".segment a input size={a.nbytes}
{data(a)}
.segment w weight size={w.nbytes}
{data(w)}
.segment y0 output size={N * 16}
.segment y1 output size={N * 16}
.uop dst=0 src=0 wgt=0
load buf=uop idx=0 addr=@uops ysize=1 xsize=1 xstride=1
load buf=inp idx=0 addr=@a ysize=1 xsize={N} xstride={N}
load buf=wgt idx=0 addr=@w ysize=1 xsize={N} xstride={N} push_next
gemm reset=1 uop_begin=0 uop_end=1 iter_out={N} iter_in=1 dst_out=1 src_out=1 wgt_out=1 pop_prev push_next
store buf=out idx=0 addr=@y0 ysize=1 xsize={N} xstride={N} pop_prev push_prev
gemm_t reset=1 uop_begin=0 uop_end=1 iter_out={N} iter_in=1 dst_out=1 src_out=1 wgt_out=1 pop_next push_next
store buf=out idx=0 addr=@y1 ysize=1 xsize={N} xstride={N} pop_prev push_prev
finish pop_next
"""
    src, tsp = os.path.join(work, "dual.s"), os.path.join(work, "dual.tsp")
    with open(src, "w") as f:
        f.write(prog)
    subprocess.run([tessel, "asm", src, "--hw", hw, "-o", tsp], check=True)
    r = subprocess.run([tessel, "cosim", tsp, "--hw", hw], capture_output=True, text=True)
    print(r.stdout.strip() + r.stderr.strip())
    failed = r.returncode != 0 or "sim and rtl agree" not in r.stdout
    ys = [os.path.join(work, f"y{k}.npy") for k in (0, 1)]
    subprocess.run([tessel, "run", tsp, "--hw", hw, "--output", f"y0={ys[0]}", "--output", f"y1={ys[1]}"],
                   check=True, capture_output=True)
    A, W = a.astype(np.int64), w.astype(np.int64)
    want = [np.einsum("nk,njk->nj", A, W), np.einsum("nk,nkj->nj", A, W)]  # gemm, gemm_t
    for name, path, x in zip(("gemm", "gemm_t"), ys, want):
        got = np.load(path).view(np.int8).reshape(N, 16)
        bad = int(np.sum(got != x.astype(np.int8)))  # the low byte of the wrapped sum
        print(f"{'ok   ' if not bad else 'FAIL '} {name}: the simulator's {got.size} results equal numpy's ({bad} differ)")
        failed |= bad != 0
    if failed:
        sys.exit("dual_directed: checks failed")


if __name__ == "__main__":
    main()
