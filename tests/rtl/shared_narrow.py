#!/usr/bin/env python3
"""shared_narrow.py TESSEL HW.yaml WORK [PROGRAMS]: narrow and diagonal
transfers between a shared level and the scratchpads under it, on the RTL
against the simulator (docs/rtl.md, "The shared level and DMA lanes").

Random programs rarely compute with what they load or store what they
compute, so each program here does: a window of the shared level filled with
random bytes from DRAM; over it, narrow loads of the input and accumulator
scratchpads and narrow and diagonal loads of the weight scratchpad, at
random value addresses (any byte of a word for one-byte values), some rows
with padding; one intrinsic beat per element, so that every loaded value
shows in the output buffer; narrow stores of the output buffer back into
the window (its random bytes around them must stay), rows of a few
elements at random value addresses, and a whole-element store; the window
stored to DRAM.  The simulator and the RTL must agree on every byte of DRAM
and every statistic (`tessel cosim`).  The level names are server-wide's."""
import os
import random
import re
import subprocess
import sys


def header(tessel, hw):
    text = subprocess.run([tessel, "isa", hw, "--format", "verilog"], check=True, capture_output=True,
                          text=True).stdout
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^`define TSL_(\w+) (\d+)$", text, re.M)}


def program(h, rng):
    E = h["SHARED_ELEM_BYTES"]
    words = 1024  # the window: shared words 0..1023
    size = words * E
    vin, vw, vacc, vout = h["GEMM_A_BITS"] // 8, h["GEMM_B_BITS"] // 8, h["ACC_BITS"] // 8, h["OUT_BITS"] // 8
    n_in, n_w = h["INPUT_ELEM_BYTES"] // vin, h["WEIGHT_ELEM_BYTES"] // vw
    n_acc, n_out = h["ACCUMULATOR_ELEM_BYTES"] // vacc, h["OUTPUT_ELEM_BYTES"] // vout
    vmax = (1 << h["LOAD_VALUES_W"]) - 1
    room = min(h["WEIGHT_ROWS"], h["WEIGHT_COLS"])  # diagonal block 1's values
    lines = [".segment r input size=%d" % size]
    data = bytes(rng.randrange(256) for _ in range(size))
    for k in range(0, size, 16):
        lines.append(".data " + " ".join("0x%02x" % b for b in data[k:k + 16]))
    lines += [".segment y output size=%d" % size, ".uop dst=0 src=0 wgt=0",
              "load buf=gbuf idx=0 addr=@r ysize=1 xsize=%d xstride=%d" % (words, words),
              "load buf=gbuf idx=%d addr=@uops ysize=1 xsize=1 xstride=1" % words]

    def rows(idx, buf, vb, most, n=None, extra=""):
        """a narrow transfer of 2 rows of 3 or 4 elements (8 buffer elements
        with a load's padding) at a random value address of the window"""
        n = n or rng.randint(1, min(most, vmax))
        pad = rng.randint(0, 1) if buf != "out" else 0  # a store has no padding
        x = 4 - pad
        stride = x * n + rng.randint(0, 3)
        span = stride + x * n
        addr = rng.randrange(size // vb - span + 1)
        return "%s buf=%s idx=%d addr=%d ysize=2 xsize=%d xstride=%d%s values=%d%s" % (
            "store" if buf == "out" else "load", buf, idx, addr, x, stride, " xpad0=1" if pad else "", n, extra)

    lines += [rows(0, "inp", vin, n_in - 1), rows(8, "inp", vin, n_in - 1),
              rows(0, "wgt", vw, room, extra=" diag=1"), rows(8, "wgt", vw, n_w - 1) + " push_next"]
    # the compute module: its micro-op from the window, the accumulator
    # narrow, one beat per element
    lines += ["load buf=uop idx=0 addr=%d ysize=1 xsize=1 xstride=1 pop_prev" % (words * E // 4),
              rows(0, "acc", vacc, n_acc - 1), rows(8, "acc", vacc, n_acc - 1),
              "gemm uop_begin=0 uop_end=1 iter_out=16 iter_in=1 dst_out=1 src_out=1 wgt_out=1 push_next"]
    # the store module: narrow rows of the output into the window, a whole
    # element, then the window to DRAM
    lines += [rows(0, "out", vout, n_out - 1) + " pop_prev", rows(8, "out", vout, n_out - 1),
              rows(4, "out", vout, n_out - 1, n=rng.randint(1, 3)),
              "store buf=out idx=3 addr=%d ysize=1 xsize=2 xstride=2" % rng.randrange(size // h["OUTPUT_ELEM_BYTES"] - 1),
              "store buf=gbuf idx=0 addr=@y ysize=1 xsize=%d xstride=%d push_prev" % (words, words),
              "finish pop_next"]
    return "\n".join(lines) + "\n"


def main():
    tessel, hw, work = sys.argv[1:4]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    os.makedirs(work, exist_ok=True)
    h = header(tessel, hw)
    failed = 0
    for seed in range(count):
        rng = random.Random(seed)
        s, tsp = os.path.join(work, "narrow-%d.s" % seed), os.path.join(work, "narrow-%d.tsp" % seed)
        with open(s, "w") as f:
            f.write(program(h, rng))
        subprocess.run([tessel, "asm", s, "--hw", hw, "-o", tsp], check=True)
        r = subprocess.run([tessel, "cosim", tsp], capture_output=True, text=True)
        ok = r.returncode == 0 and "sim and rtl agree" in r.stdout
        failed += not ok
        print("seed %d: %s" % (seed, "agree" if ok else "MISMATCH\n" + r.stdout + r.stderr))
    print("%s: %d programs of narrow and diagonal transfers with the shared level: %d mismatches" %
          (os.path.basename(hw), count, failed))
    sys.exit(1 if failed else 0)


main()
