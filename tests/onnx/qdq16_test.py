#!/usr/bin/python3
"""tests/onnx/qdq16_test.py TESSEL HWDIR WORK: QDQ patterns with 16-bit
activations (int16 QuantizeLinear / DequantizeLinear, com.microsoft's or
the default domain's, around a Conv or MatMul with int8 weights), which
tessel imports as int8 planes (docs/onnx.md, "QDQ").  Each model is
written here and checked against numpy computing the pattern in integers
as onnxruntime's fused QLinear kernels define it (the int32 sum of
(x − zx)·w plus the bias, times (sx·sw)/sy in fp32, rounded to nearest
even, plus zy, saturated):

  - tessel's host gives numpy's output bit for bit, inputs that saturate
    int16 at both ends included;
  - `tessel exec --verify` on int8 descriptions runs the products on the
    accelerator and agrees with the host;
  - an int16 ConvInteger (not a QDQ pattern) is refused, naming the node.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import helper as h, numpy_helper as nh, TensorProto as T

tessel, hwdir, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(16)
fails = []
MS = "com.microsoft"


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        fails.append(what)


def f32(v):
    return np.float32(v)


def conv_int(x, w, stride, pads, groups):
    """Σ x·w in int64 over NCHW x (zero padded) and OIHW w."""
    n, c, hh, ww = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (hh + pads[0] + pads[2] - kh) // stride[0] + 1
    ow = (ww + pads[1] + pads[3] - kw) // stride[1] + 1
    y = np.zeros((n, o, oh, ow), np.int64)
    og = o // groups
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                win = xp[:, g * cg:(g + 1) * cg, i:i + stride[0] * oh:stride[0], j:j + stride[1] * ow:stride[1]]
                y[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", win, w[g * og:(g + 1) * og, :, i, j])
    return y


def requant(acc, sx, sw, sy, zy, lo=-32768, hi=32767):
    m = ((f32(sx) * sw.astype(np.float32)).astype(np.float32) / f32(sy)).astype(np.float32)
    shape = [1] * acc.ndim
    shape[1 if acc.ndim == 4 else -1] = -1
    v = np.rint(acc.astype(np.float32) * m.reshape(shape)) + zy
    return np.clip(v, lo, hi)


def model(case):
    """A QDQ model for `case` and numpy's output for input x."""
    k = case
    dom = MS if k.get("ms", True) else ""
    zx, zy, sx, sy = k["zx"], k["zy"], f32(k["sx"]), f32(k["sy"])
    conv = k["op"] == "Conv"
    wq = rng.integers(-127, 128, k["w"]).astype(np.int8)
    ch = k["w"][0] if conv else k["w"][1]
    sw = (rng.random(ch) * 0.02 + 0.004).astype(np.float32)
    inits = [nh.from_array(np.array(sx), "sx"), nh.from_array(np.array(zx, np.int16), "zx"),
             nh.from_array(wq, "wq"), nh.from_array(sw, "sw"), nh.from_array(np.zeros(ch, np.int8), "zw"),
             nh.from_array(np.array(sy), "sy"), nh.from_array(np.array(zy, np.int16), "zy")]
    ins = ["xd", "wd"]
    nodes = [h.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"], domain=dom),
             h.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"], domain=dom),
             h.make_node("DequantizeLinear", ["wq", "sw", "zw"], ["wd"], axis=0 if conv else 1)]
    bq = rng.integers(-200000, 200000, ch).astype(np.int32) if k.get("bias") else None
    if bq is not None:
        inits += [nh.from_array(bq, "bq"), nh.from_array((sx * sw).astype(np.float32), "sb")]
        nodes.append(h.make_node("DequantizeLinear", ["bq", "sb"], ["bd"], axis=0))
        ins.append("bd")
    attrs = dict(strides=k["stride"], pads=k["pads"], group=k.get("groups", 1)) if conv else {}
    nodes.append(h.make_node(k["op"], ins, ["yf"], name="product", **attrs))
    last = "yf"
    if k.get("relu"):
        nodes.append(h.make_node("Relu", ["yf"], ["yr"]))
        last = "yr"
    nodes += [h.make_node("QuantizeLinear", [last, "sy", "zy"], ["yq"], domain=dom),
              h.make_node("DequantizeLinear", ["yq", "sy", "zy"], ["y"], domain=dom)]
    xshape = k["x"]
    g = h.make_graph(nodes, "qdq16", [h.make_tensor_value_info("x", T.FLOAT, xshape)],
                     [h.make_tensor_value_info("y", T.FLOAT, None)], inits)
    opsets = [h.make_opsetid("", 13)] + ([h.make_opsetid(MS, 1)] if dom else [])
    m = h.make_model(g, opset_imports=opsets)
    x = (rng.standard_normal(xshape) * k["spread"]).astype(np.float32)
    # x quantized as QuantizeLinear does: round half to even, saturate
    xi = np.clip(np.rint(x / sx) + zx, -32768, 32767).astype(np.int64) - zx
    wi = wq.astype(np.int64)
    if conv:
        acc = conv_int(xi, wi, k["stride"], k["pads"], k.get("groups", 1))
        if bq is not None:
            acc += bq.astype(np.int64)[None, :, None, None]
    else:
        acc = xi @ wi
    assert np.abs(acc).max() < 2 ** 31, "the test's sums must fit int32"
    lo = zy if k.get("relu") else -32768
    yq = requant(acc, sx, sw, sy, zy, lo=lo)
    return m, x, ((yq - zy) * sy).astype(np.float32), xi


CASES = [
    dict(name="conv3x3", op="Conv", x=[2, 5, 9, 11], w=(7, 5, 3, 3), stride=[1, 1], pads=[1, 1, 1, 1], zx=37, zy=-100,
         sx=0.01, sy=0.5, spread=100, bias=True),
    dict(name="conv1x3-stride2-saturating", op="Conv", x=[1, 6, 8, 13], w=(8, 6, 1, 3), stride=[2, 2], pads=[0, 1, 0, 2],
         zx=0, zy=5, sx=0.001, sy=0.05, spread=60, ms=False),
    dict(name="conv3x1-groups-relu", op="Conv", x=[1, 8, 10, 6], w=(4, 4, 3, 1), stride=[1, 1], pads=[1, 0, 1, 0],
         groups=2, zx=-2000, zy=-32000, sx=0.004, sy=0.01, spread=40, bias=True, relu=True),
    dict(name="matmul", op="MatMul", x=[3, 17, 40], w=(40, 9), zx=1234, zy=0, sx=0.002, sy=0.2, spread=30),
]

for k in CASES:
    m, x, want, xi = model(k)
    path = os.path.join(work, k["name"] + ".onnx")
    onnx.save(m, path)
    np.save(os.path.join(work, "x.npy"), x)
    out = os.path.join(work, "y.npy")
    r = subprocess.run([tessel, "host", path, "--input", "x=" + os.path.join(work, "x.npy"), "--output", "y=" + out],
                       capture_output=True, text=True)
    got = np.load(out) if r.returncode == 0 else None
    sat = int((xi == -32768 - k["zx"]).sum() + (xi == 32767 - k["zx"]).sum())
    check(got is not None and np.array_equal(got, want),
          f"{k['name']}: tessel's host is numpy's integer QDQ bit for bit ({sat} inputs saturate int16; "
          f"{r.stderr.strip()[:200] if r.returncode else int((got != want).sum())} differ)")
    if "saturating" in k["name"]:
        check(sat > 0, f"{k['name']}: some inputs saturate int16 ({sat})")
    for hw in ("edge-tiny", "vta-default"):
        r = subprocess.run([tessel, "exec", path, "--hw", os.path.join(hwdir, hw + ".yaml"), "--verify"],
                           capture_output=True, text=True)
        rows = [l for l in r.stdout.splitlines() if l.split()[:1] == ["product"]]
        check(r.returncode == 0 and len(rows) == 1 and " ok " in rows[0],
              f"{k['name']} on {hw}: the product over both planes on the accelerator, verified "
              f"({(rows or [r.stderr.strip()[:200]])[0][:100]})")

# an int16 ConvInteger is not a QDQ pattern: refused
g = h.make_graph([h.make_node("ConvInteger", ["x", "w"], ["y"], name="ci")], "ci",
                 [h.make_tensor_value_info("x", T.INT16, [1, 2, 4, 4])], [h.make_tensor_value_info("y", T.INT32, None)],
                 [nh.from_array(np.ones((3, 2, 1, 1), np.int8), "w")])
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), os.path.join(work, "ci.onnx"))
r = subprocess.run([tessel, "match", os.path.join(work, "ci.onnx"), "--hw", os.path.join(hwdir, "edge-tiny.yaml")],
                   capture_output=True, text=True)
check(r.returncode == 1 and "node 'ci' (ConvInteger, opset 13): 'x' is int16; int8 or uint8 expected" in r.stderr,
      f"int16 ConvInteger refused: exit {r.returncode} ({r.stderr.strip()[:200]})")
sys.exit(1 if fails else 0)
