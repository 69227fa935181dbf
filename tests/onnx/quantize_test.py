#!/usr/bin/python3
"""tests/onnx/quantize_test.py TESSEL WORK: `tessel quantize` on a small model
written here (Conv with a bias, Relu, MatMul, Softmax), with int8 and with
int16 activations (`--activations int16`), checked against numpy:

  - the weights: int8, symmetric, one scale max|w|/127 per output channel
    (axis 0 of the Conv's, axis 1 of the MatMul's);
  - each activation's scale and zero point from its range over the
    calibration files, computed here with numpy's own float model; int16
    ones in com.microsoft's QuantizeLinear and DequantizeLinear (the
    model's opset is 13);
  - the bias: int32 at scale x_scale * w_scale;
  - the quantized model run by tessel's host against numpy running the
    same QDQ graph (quantize and dequantize as ONNX defines them);
  - the report: samples, top-1 over the Softmax's classes, cosine;
  - the report: valid under docs/tessel.schema.json;
  - errors: no calibration file, a file of another shape, a NaN in a file,
    an old opset.
"""
import json
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

tessel, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(7)
fails = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        fails.append(what)


W = (rng.standard_normal((4, 3, 3, 3)) * 0.3).astype(np.float32)
B = (rng.standard_normal(4) * 0.1).astype(np.float32)
M = (rng.standard_normal((256, 10)) * 0.1).astype(np.float32)


def model(opset=13):
    g = helper.make_graph(
        [helper.make_node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["r"]),
         helper.make_node("Reshape", ["r", "shape"], ["f"]),
         helper.make_node("MatMul", ["f", "M"], ["m"]),
         helper.make_node("Softmax", ["m"], ["y"], axis=1)],
        "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 10])],
        [numpy_helper.from_array(W, "W"), numpy_helper.from_array(B, "B"), numpy_helper.from_array(M, "M"),
         numpy_helper.from_array(np.array([-1, 256], np.int64), "shape")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def conv(x, w, b):
    n, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    y = np.zeros((n, w.shape[0], h, wd), np.float64)
    for i in range(3):
        for j in range(3):
            y += np.einsum("nchw,oc->nohw", xp[:, :, i:i + h, j:j + wd], w[:, :, i, j])
    return y + b[None, :, None, None]


def bounds(bits):
    return (-128, 127) if bits == 8 else (-32768, 32767)


def act(lo, hi, bits):
    qlo, qhi = bounds(bits)
    lo, hi = np.float32(min(lo, 0.0)), np.float32(max(hi, 0.0))
    s = np.float32((hi - lo) / np.float32(qhi - qlo))
    return s, int(np.clip(np.rint(np.float32(qlo) - lo / s), qlo, qhi))


def q(x, s, z, bits):
    return np.clip(np.rint(x / s) + z, *bounds(bits))


def dq(v, s, z):
    return ((v - z) * s).astype(np.float32)


onnx.save(model(), f"{work}/small.onnx")
onnx.save(model(11), f"{work}/old.onnx")
cal = []
for k in range(3):
    cal.append(f"{work}/cal{k}.npy")
    np.save(cal[-1], rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
np.save(f"{work}/wrong.npy", np.zeros((2, 3, 8, 9), np.float32))
nan = np.load(cal[0])
nan.flat[5] = np.nan
np.save(f"{work}/nan.npy", nan)

def load_quantized(path):
    """The model, its initializers by name, its nodes by output, its Conv and its MatMul."""
    qm = onnx.load(path)
    init = {t.name: numpy_helper.to_array(t) for t in qm.graph.initializer}
    nodes = {o: n for n in qm.graph.node for o in n.output}
    return (qm, init, nodes, next(n for n in qm.graph.node if n.op_type == "Conv"),
            next(n for n in qm.graph.node if n.op_type == "MatMul"))


def quantized(bits):
    """quantize with activations of `bits` bits, its model and report checked."""
    tag = f"int{bits}: "
    qpath = f"{work}/q{bits}.onnx"
    r = subprocess.run([tessel, "quantize", f"{work}/small.onnx", "--calibrate", *cal, "-o", qpath, "--json"] +
                       ([] if bits == 8 else ["--activations", "int16"]), capture_output=True, text=True)
    check(r.returncode == 0, f"{tag}quantize exits 0 ({r.stderr.strip()[:300]})")
    if r.returncode:
        sys.exit(1)
    rep = json.loads(r.stdout)
    try:
        import jsonschema
        here = os.path.dirname(os.path.abspath(__file__))
        jsonschema.validate(rep, json.load(open(os.path.join(here, "..", "..", "docs", "tessel.schema.json"))))
        check(True, tag + "--json is valid under docs/tessel.schema.json")
    except jsonschema.ValidationError as e:
        check(False, f"{tag}--json is valid under docs/tessel.schema.json: {e.message}")
    qm, init, nodes, conv_node, mm_node = load_quantized(qpath)

    def dq_of(name):
        n = nodes[name]
        assert n.op_type == "DequantizeLinear", n.op_type
        return n


    # weights
    for node, w, axis in ((conv_node, W, 0), (mm_node, M, 1)):
        d = dq_of(node.input[1])
        wq, ws = init[d.input[0]], init[d.input[1]]
        s = np.abs(w).max(axis=tuple(i for i in range(w.ndim) if i != axis)) / np.float32(127)
        shape = [1] * w.ndim
        shape[axis] = -1
        check(wq.dtype == np.int8 and np.array_equal(ws, s.astype(np.float32)), f"{tag}{node.op_type}: a scale max|w|/127 per channel")
        check(np.array_equal(wq, np.clip(np.rint(w / s.reshape(shape)), -127, 127).astype(np.int8)),
              f"{tag}{node.op_type}: int8 weights round(w / scale)")

    # activations: ranges from numpy's float model over the calibration files
    xs = np.concatenate([np.load(f) for f in cal])
    c = conv(xs.astype(np.float64), W.astype(np.float64), B.astype(np.float64))
    f = np.maximum(c, 0).reshape(len(xs), 256)
    m = f @ M.astype(np.float64)
    for name, v in (("x", xs), ("c", c), ("f", f), ("m", m)):
        want = act(float(v.min()), float(v.max()), bits)
        qn = next(n for n in qm.graph.node if n.op_type == "QuantizeLinear" and n.input[0] in (name, name + "/float"))
        got = (init[qn.input[1]].item(), int(init[qn.input[2]].item()))
        check(abs(got[0] - want[0]) <= 1e-6 * want[0] and abs(got[1] - want[1]) <= 1,
              f"{tag}activation {name}: scale and zero point {got} from its range (numpy: {want})")
        check(init[qn.input[2]].dtype == (np.int8 if bits == 8 else np.int16) and
              qn.domain == ("" if bits == 8 else "com.microsoft"),
              f"{tag}activation {name}: zero point {init[qn.input[2]].dtype}, domain '{qn.domain}'")

    # the bias: int32 at x_scale * w_scale
    bd = dq_of(conv_node.input[2])
    xq = next(n for n in qm.graph.node if n.op_type == "QuantizeLinear" and n.input[0] == "x")
    ws = init[dq_of(conv_node.input[1]).input[1]]
    check(init[bd.input[0]].dtype == np.int32 and np.array_equal(init[bd.input[1]], (init[xq.input[1]] * ws).astype(np.float32)),
          tag + "Conv bias: int32 at scale x_scale * w_scale")

    # the quantized graph run by numpy, as ONNX defines QuantizeLinear and DequantizeLinear


    def qdq(v, name):
        n = next(n for n in qm.graph.node if n.op_type == "QuantizeLinear" and n.input[0] in (name, name + "/float"))
        s, z = init[n.input[1]], int(init[n.input[2]])
        return dq(q(v.astype(np.float32), s, z, bits), s, z)


    x0 = np.load(cal[0])
    wd = dq(init[dq_of(conv_node.input[1]).input[0]].astype(np.float32), ws.reshape(-1, 1, 1, 1), 0)
    bdq = init[bd.input[0]].astype(np.float64) * init[bd.input[1]]
    cq = qdq(conv(qdq(x0, "x").astype(np.float64), wd.astype(np.float64), bdq), "c")
    fq = qdq(np.maximum(cq, 0).reshape(2, 256), "f")
    md = dq_of(mm_node.input[1])
    mq = qdq(fq.astype(np.float64) @ (init[md.input[0]].astype(np.float64) * init[md.input[1]]), "m")
    e = np.exp(mq - mq.max(axis=1, keepdims=True))
    want = e / e.sum(axis=1, keepdims=True)
    subprocess.run([tessel, "host", qpath, "--dims", "n=2", "--input", f"x={cal[0]}", "--output",
                    f"y={work}/y.npy"], check=True, capture_output=True)
    got = np.load(f"{work}/y.npy")
    check(np.abs(got - want).max() < 2e-2, f"{tag}the quantized model on tessel's host is numpy's QDQ graph (max diff "
          f"{np.abs(got - want).max():.3g})")

    # compiled for vta-default and run on the simulator: the accelerator's
    # products give the host's output bit for bit (the program's segments carry
    # the QDQ names, "x/q", "c/float")
    hw = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "hw", "vta-default.yaml")
    r = subprocess.run([tessel, "compile", qpath, "--hw", hw, "--dims", "n=2", "-o", f"{work}/q.tsp"],
                       capture_output=True, text=True)
    check(r.returncode == 0 and "2 of" in r.stdout.splitlines()[0], f"{tag}compiled, both products on the accelerator "
          f"({(r.stdout.splitlines() or [r.stderr])[0][:120]})")
    r = subprocess.run([tessel, "run", f"{work}/q.tsp", "--input", f"x={cal[0]}", "--output", f"y={work}/yd.npy"],
                       capture_output=True, text=True)
    check(r.returncode == 0 and np.array_equal(np.load(f"{work}/yd.npy"), got),
          f"{tag}run on the simulator: the host's output bit for bit ({r.stderr.strip()[:200]})")

    # the report
    o = rep["outputs"][0]
    ff = np.exp(m - m.max(axis=1, keepdims=True))
    ff /= ff.sum(axis=1, keepdims=True)
    check(rep["quantized"] == 2 and rep["skipped"] == 0 and rep["samples"] == 3 and o["name"] == "y",
          tag + "report: 2 nodes quantized, 3 samples, output y")
    check(rep["activation_bits"] == bits, f"{tag}report: activation_bits {rep['activation_bits']}")
    check(o["top1_total"] == len(xs) and 0 <= o["top1_agree"] <= len(xs) and o["cosine"] > 0.9,
          f"{tag}report: top-1 over {len(xs)} rows ({o['top1_agree']} agree), cosine {o['cosine']:.4f}")
    check(abs(o["max_abs_float"] - float(ff.max())) < 1e-5, tag + "report: max |float| is numpy's")


for bits in (8, 16):
    quantized(bits)


# --weights fit, with int16 activations: each layer's weights and bias
# fitted to the float layer's output on what the quantized model feeds it
# (docs/quantize.md), worked out here in numpy, layer by layer


def im2col(x):
    """[n, 3, 8, 8] padded by 1 -> rows [n*8*8, 27] in the weight's (i, kh, kw) order."""
    n = x.shape[0]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.stack([xp[:, :, i:i + 8, j:j + 8] for i in range(3) for j in range(3)], 2)  # n, c, 9, h, w
    return cols.transpose(0, 3, 4, 1, 2).reshape(n * 64, 27)


def fit(xq, y, w, groups_out):
    """W' (out x K) and b' as quant/fit.c: ridge towards w, then rounded, then the bias refitted."""
    xt = np.concatenate([xq, np.ones((len(xq), 1))], 1)
    h, c = xt.T @ xt, y.T @ xt
    lam = 0.01 * np.mean(np.diag(h)[:-1])
    reg = np.eye(len(h)) * lam
    reg[-1, -1] = 0.0
    wa = np.linalg.solve(h + reg, (c + np.concatenate([w, np.zeros((len(w), 1))], 1) @ reg).T).T[:, :-1]
    ws = (np.abs(wa).max(1).astype(np.float32) / np.float32(127)).astype(np.float32)
    wq = np.clip(np.rint(wa.astype(np.float32) / ws[:, None]), -127, 127)
    b = (c[:, -1] - (wq * ws[:, None]) @ h[:-1, -1]) / h[-1, -1]
    return wq.astype(np.int8), ws, b


fpath = f"{work}/qfit.onnx"
np.save(f"{work}/cal-batch3.npy", rng.standard_normal((3, 3, 8, 8)).astype(np.float32))  # a second shape: its own runs
fcal = cal + [f"{work}/cal-batch3.npy"]
r = subprocess.run([tessel, "quantize", f"{work}/small.onnx", "--calibrate", *fcal, "-o", fpath, "--json",
                    "--activations", "int16", "--weights", "fit"], capture_output=True, text=True)
check(r.returncode == 0 and json.loads(r.stdout)["fitted"] == 2, f"--weights fit: 2 nodes fitted ({r.stderr.strip()[:200]})")
fm, fi, fnodes, fconv, fmm = load_quantized(fpath)


def qparams(name):
    n = next(n for n in fm.graph.node if n.op_type == "QuantizeLinear" and n.input[0] in (name, name + "/float"))
    return fi[n.input[1]], int(fi[n.input[2]])


def fq(v, name):
    s, z = qparams(name)
    return dq(q(v.astype(np.float32), s, z, 16), s, z).astype(np.float64)


xs = np.concatenate([np.load(f) for f in fcal])
c = conv(xs.astype(np.float64), W.astype(np.float64), B.astype(np.float64))
# layer 1: the Conv on the quantized input, against the float Conv's output
xq1 = im2col(fq(xs, "x"))
y1 = c.transpose(0, 2, 3, 1).reshape(-1, 4)
wq1, ws1, b1 = fit(xq1, y1, W.reshape(4, 27).astype(np.float64), 4)
got_w1 = fi[fnodes[fconv.input[1]].input[0]].reshape(4, 27)
got_b1 = fi[fnodes[fconv.input[2]].input[0]].astype(np.float64) * fi[fnodes[fconv.input[2]].input[1]]
check(np.abs(got_w1.astype(int) - wq1).max() <= 1 and (got_w1 != wq1).mean() <= 0.02 and
      np.abs(got_b1 - b1).max() <= 1e-3 * max(1.0, np.abs(b1).max()),
      f"--weights fit: the Conv's weights and bias are numpy's fit ({int((got_w1 != wq1).sum())} of {wq1.size} weights "
      f"differ by one; bias max diff {np.abs(got_b1 - b1).max():.3g})")
# layer 2: the MatMul on what the fitted, quantized Conv gives it
cq = fq((xq1 @ (got_w1.astype(np.float64) * fi[fnodes[fconv.input[1]].input[1]][:, None]).T + got_b1)
        .reshape(len(xs), 8, 8, 4).transpose(0, 3, 1, 2), "c")
xq2 = fq(np.maximum(cq, 0).reshape(len(xs), 256), "f")
y2 = np.maximum(c, 0).reshape(len(xs), 256) @ M.astype(np.float64)
wq2, ws2, _ = fit(xq2, y2, M.T.astype(np.float64), 10)
got_w2 = fi[fnodes[fmm.input[1]].input[0]].T
check(np.abs(got_w2.astype(int) - wq2).max() <= 1 and (got_w2 != wq2).mean() <= 0.02,
      f"--weights fit: the MatMul's weights are numpy's fit on the fitted Conv's quantized output "
      f"({int((got_w2 != wq2).sum())} of {wq2.size} differ by one)")

# a 1-D convolution: quantized, and its QDQ model imports node by node (the
# integer convolution the pattern would fuse into is 2-D)
W1 = (rng.standard_normal((6, 2, 3)) * 0.3).astype(np.float32)
g1 = helper.make_graph([helper.make_node("Conv", ["x", "W1"], ["y"], group=2, strides=[2], pads=[1, 1])], "conv1d",
                       [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 11])],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [numpy_helper.from_array(W1, "W1")])
onnx.save(helper.make_model(g1, opset_imports=[helper.make_opsetid("", 13)]), f"{work}/conv1d.onnx")
np.save(f"{work}/cal1d.npy", rng.standard_normal((1, 4, 11)).astype(np.float32))
r = subprocess.run([tessel, "quantize", f"{work}/conv1d.onnx", "--calibrate", f"{work}/cal1d.npy", "-o",
                    f"{work}/conv1d.q.onnx"], capture_output=True, text=True)
check(r.returncode == 0 and "1 Conv/MatMul nodes quantized to int8" in r.stdout,
      f"a 1-D Conv quantized: exit {r.returncode} ({r.stderr.strip()[:200]})")
r = subprocess.run([tessel, "ir", f"{work}/conv1d.q.onnx"], capture_output=True, text=True)
check(r.returncode == 0 and "conv" in r.stdout.lower(),
      f"its QDQ model imports (the 1-D Conv between DequantizeLinear and QuantizeLinear): exit {r.returncode} "
      f"({r.stderr.strip()[:200]})")

# errors


def refused(args, status, text, what):
    r = subprocess.run([tessel, "quantize", *args], capture_output=True, text=True)
    check(r.returncode == status and text in r.stderr, f"{what}: exit {r.returncode} ({r.stderr.strip()[:200]})")


refused([f"{work}/small.onnx", "-o", f"{work}/e.onnx"], 2, "--calibrate FILE.npy... is required", "no calibration")
refused([f"{work}/small.onnx", "--calibrate", f"{work}/wrong.npy", "-o", f"{work}/e.onnx"], 1,
        f"{work}/wrong.npy: error: has shape (2, 3, 8, 9); dimension 3 of graph input 'x' is 8", "a file of another shape")
refused([f"{work}/small.onnx", "--calibrate", f"{work}/nan.npy", "-o", f"{work}/e.onnx"], 1,
        f"{work}/nan.npy: error: value 5 is NaN; calibration samples are finite", "a calibration file with a NaN")
refused([f"{work}/old.onnx", "--calibrate", cal[0], "-o", f"{work}/e.onnx"], 1,
        "imports opset 11; quantize writes per-channel DequantizeLinear, which needs opset 13 or later", "opset 11")
refused([f"{work}/small.onnx", "--calibrate", cal[0], "-o", cal[0]], 2, "is calibration file", "-o a calibration file")
refused([f"{work}/small.onnx", "--calibrate", cal[0], "-o", f"{work}/e.onnx", "--activations", "int4"], 2,
        "option '--activations' takes int8 or int16, not 'int4'", "--activations int4")
check(not os.path.exists(f"{work}/e.onnx"), "nothing written when refused")
sys.exit(1 if fails else 0)
