"""make_models.py OUTDIR: ONNX models written with the onnx package
(Debian's python3-onnx), each as a backend test folder (model.onnx,
test_data_set_0/input_K.pb, output_K.pb) whose expected outputs numpy
computes, independently of tessel.  The values are small integers, so every
sum is exact in float16 and float32 and any order of accumulation gives the
same result: a difference is a bug, not rounding.

  conv_fp16    float16 Conv (bias) + Relu, Transpose, MatMul: for mma-fp16's intrinsic, with
               a host op between two accelerator ops
  cnn_fp32     float32 Conv + Relu, MaxPool, Flatten, Gemm (transB, bias): a chain
  cnn_fp32_external  the same, its initializers in an external data file
  reshape      float32 Reshape and Transpose of a graph input
  pad_conv_bn  float32 Pad, Conv, BatchNormalization (folded into the Conv), Relu
  qcnn         QuantizeLinear, two QLinearConv (uint8 weights with per-channel zero points
               and scales, int8 symmetric ones; padded and strided), DequantizeLinear
  qmatmul      MatMulInteger of int8 operands, QLinearMatMul with a constant uint8 B
  qdq          float Conv (+ bias, Relu) and MatMul between DequantizeLinear and QuantizeLinear
               nodes, as quantization tools write them: expected as the QLinear ops they stand
               for (the integer product, requantized once)
  dynamic      a float32 Conv and Relu whose input's batch dimension is symbolic ("batch"),
               its data set of two images
  conv_nd      a float16 Conv1d (groups, strides, pads, dilations: on mma-fp16's intrinsic) and
               a float32 Conv3d
  select       an If whose condition is computed (the sum of the input > 0), both branches
               taken by its two data sets, a branch value named as one of the graph's; Greater,
               GreaterOrEqual, Equal, Not, Cast to float, Where, Clip with a bound of 0.5, Pow 2,
               Sqrt of squares (exact), a bool output
  long_names   values, an initializer, the graph's input and output named as TensorFlow's
               converter names them, longer than the IR's 63 bytes; two of them alike in
               their first 60 bytes (a Conv, its Relu, their sum)
  int_moves    Abs and Neg of int8 values from -128 to 127 (wrapping as numpy's), Sum of three
               int32 inputs, one broadcast, and Mean of two float ones
  shape_chain  a flatten and a split of heads as PyTorch exports them with a symbolic batch:
               Shape, Gather, Unsqueeze, Concat, Slice, Div, Mul, Cast, Range, Size, Squeeze,
               ConstantOfShape and Neg on shapes, folded at import, feeding Reshape and a
               MatMul; its data set of batch 3
  pools        an int8 MaxPool with dilations, pads and ceil_mode (on an int8 accelerator's ALU),
               a float AveragePool with pads, ceil_mode and count_include_pad 0, a float
               MaxPool in ceil_mode whose last window would start in the end padding
The quantized models' outputs follow the operator specifications, with the
requantizing product in float32 as onnxruntime computes it.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

rng = np.random.default_rng(20261203)


def ints(shape, lo, hi, dtype):
    return rng.integers(lo, hi + 1, size=shape).astype(dtype)


def conv2d(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad), dtype=np.float64)
    xp[:, :, pad:pad + h, pad:pad + wd] = x
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    y = np.zeros((n, o, oh, ow), dtype=np.float64)
    for i in range(oh):
        for j in range(ow):
            win = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            y[:, :, i, j] = np.tensordot(win, w.astype(np.float64), axes=([1, 2, 3], [1, 2, 3]))
    return y + b.astype(np.float64).reshape(1, o, 1, 1)


def maxpool2(x):
    n, c, h, w = x.shape
    return x[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def initializers(consts):
    """a dict of name: value as the graph's initializers"""
    return [numpy_helper.from_array(np.asarray(v), k) for k, v in consts.items()]


def write(out, name, nodes, inputs, outputs, inits, feeds, expected, external=False, more=()):
    """more: further data sets, each (feeds, expected)"""
    d = os.path.join(out, name)
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    # external: every initializer's bytes in one file beside the model
    os.makedirs(d, exist_ok=True)
    save(model, os.path.join(d, "model.onnx"), save_as_external_data=external, all_tensors_to_one_file=True,
         location="weights.bin", size_threshold=0)
    for s, (fs, es) in enumerate([(feeds, expected)] + list(more)):
        os.makedirs(os.path.join(d, f"test_data_set_{s}"), exist_ok=True)
        for k, (n, v) in enumerate(fs):
            with open(os.path.join(d, f"test_data_set_{s}", f"input_{k}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(v, n).SerializeToString())
        for k, (n, v) in enumerate(es):
            with open(os.path.join(d, f"test_data_set_{s}", f"output_{k}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(v, n).SerializeToString())


def conv_fp16(out):
    x = ints((1, 16, 12, 12), -2, 2, np.float16)
    w = ints((32, 16, 3, 3), -1, 1, np.float16)
    b = ints((32,), -8, 8, np.float16)
    m = ints((12, 20), -1, 1, np.float16)
    y = np.maximum(conv2d(x, w, b, 1, 1), 0).transpose(0, 1, 3, 2)
    z = (y.reshape(32 * 12, 12) @ m.astype(np.float64)).reshape(1, 32, 12, 20)
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("Transpose", ["r"], ["t"], name="transpose", perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["t", "m"], ["z"], name="matmul"),
    ]
    write(out, "conv_fp16", nodes,
          [helper.make_tensor_value_info("x", TensorProto.FLOAT16, x.shape)],
          [helper.make_tensor_value_info("z", TensorProto.FLOAT16, z.shape)],
          [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"), numpy_helper.from_array(m, "m")],
          [("x", x)], [("z", z.astype(np.float16))])


def cnn_fp32(out, name="cnn_fp32", external=False):
    x = ints((2, 3, 16, 16), -3, 3, np.float32)
    w = ints((8, 3, 3, 3), -1, 1, np.float32)
    b = ints((8,), -4, 4, np.float32)
    fw = ints((10, 8 * 4 * 4), -1, 1, np.float32)
    fb = ints((10,), -5, 5, np.float32)
    c = np.maximum(conv2d(x, w, b, 2, 1), 0)
    p = maxpool2(c)
    y = p.reshape(2, -1) @ fw.T.astype(np.float64) + fb
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc", transB=1),
    ]
    write(out, name, nodes,
          [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
          [helper.make_tensor_value_info("y", TensorProto.FLOAT, y.shape)],
          [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"), numpy_helper.from_array(fw, "fw"),
           numpy_helper.from_array(fb, "fb")],
          [("x", x)], [("y", y.astype(np.float32))], external)


def pad_conv_bn(out):
    """Pad, Conv without a bias, BatchNormalization (folded into it), Relu;
    the batch norm's factors are powers of two and its shifts integers, so
    that the folded weights are exact too."""
    x = ints((1, 4, 9, 9), -3, 3, np.float32)
    w = ints((6, 4, 3, 3), -2, 2, np.float32)
    scale = (2.0 ** rng.integers(-2, 2, size=6)).astype(np.float32)
    bias = ints((6,), -8, 8, np.float32)
    mean = ints((6,), -4, 4, np.float32)
    var = np.full(6, 1.0 - 1e-5, dtype=np.float32)  # var + epsilon = 1 (to float32's precision)
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (2, 1), (1, 2)))
    c = conv2d(xp, w, np.zeros(6), 1, 0)
    f = (scale / np.sqrt(var.astype(np.float64) + 1e-5)).reshape(1, 6, 1, 1)
    y = np.maximum((c - mean.reshape(1, 6, 1, 1)) * f + bias.reshape(1, 6, 1, 1), 0)
    nodes = [
        helper.make_node("Pad", ["x", "pads"], ["p"], name="pad", mode="constant"),
        helper.make_node("Conv", ["p", "w"], ["c"], name="conv"),
        helper.make_node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["b"], name="bn"),
        helper.make_node("Relu", ["b"], ["y"], name="relu"),
    ]
    write(out, "pad_conv_bn", nodes,
          [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
          [helper.make_tensor_value_info("y", TensorProto.FLOAT, y.shape)],
          [numpy_helper.from_array(np.array([0, 0, 2, 1, 0, 0, 1, 2], dtype=np.int64), "pads"),
           numpy_helper.from_array(w, "w"), numpy_helper.from_array(scale, "scale"),
           numpy_helper.from_array(bias, "bias"), numpy_helper.from_array(mean, "mean"),
           numpy_helper.from_array(var, "var")],
          [("x", x)], [("y", y.astype(np.float32))])


def quantize(x, s, z, dt):
    lo, hi = (0, 255) if dt == np.uint8 else (-128, 127)
    return np.clip(np.rint(x.astype(np.float32) / np.float32(s)) + z, lo, hi).astype(dt)


def requantize(acc, m, z, dt):
    lo, hi = (0, 255) if dt == np.uint8 else (-128, 127)
    return np.clip(np.rint(acc.astype(np.float32) * m.astype(np.float32)) + z, lo, hi).astype(dt)


def qlinear_conv(x, xs, xz, w, ws, wz, ys, yz, b, stride, pad, dt):
    """the integer convolution of x − xz and w − wz (per output channel)"""
    o = w.shape[0]
    acc = conv2d(x.astype(np.int64) - xz, w.astype(np.int64) - wz.reshape(o, 1, 1, 1), b, stride, pad)
    m = (np.float32(xs) * ws.astype(np.float32)) / np.float32(ys)
    return requantize(acc.astype(np.int64), m.reshape(1, o, 1, 1), yz, dt)


def qcnn(out):
    x = rng.uniform(-4, 4, size=(1, 6, 11, 11)).astype(np.float32)
    xs, xz = np.float32(1 / 32), np.uint8(121)
    w1 = ints((8, 6, 3, 3), 0, 255, np.uint8)           # w1 − w1z does not fit int8
    w1z = ints((8,), 90, 170, np.uint8)
    w1s = rng.uniform(0.001, 0.004, size=8).astype(np.float32)
    b1 = ints((8,), -3000, 3000, np.int32)
    y1s, y1z = np.float32(0.05), np.uint8(130)
    w2 = ints((4, 8, 3, 3), -127, 127, np.int8)          # symmetric: w2 − 0 is w2
    w2s = rng.uniform(0.001, 0.003, size=4).astype(np.float32)
    y2s, y2z = np.float32(0.1), np.int8(-5)
    q = quantize(x, xs, xz, np.uint8)
    c1 = qlinear_conv(q, xs, xz, w1, w1s, w1z, y1s, y1z, b1, 2, 1, np.uint8)
    c2 = qlinear_conv(c1, y1s, y1z, w2, w2s, np.zeros(4, np.int8), y2s, y2z, np.zeros(4), 1, 1, np.int8)
    y = ((c2.astype(np.float32) - np.float32(y2z)) * y2s).astype(np.float32)
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["q"], name="quantize"),
        # named as TensorFlow's converter names (';' and ' ' are no segment
        # name's: a program writes them as '_')
        helper.make_node("QLinearConv", ["q", "xs", "xz", "w1", "w1s", "w1z", "y1s", "y1z", "b1"], ["conv 1;c1"],
                         name="model/conv2d/BiasAdd;model/conv2d/Conv2D", strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("QLinearConv", ["conv 1;c1", "y1s", "y1z", "w2", "w2s", "w2z", "y2s", "y2z"], ["c2"],
                         name="qconv2", pads=[1, 1, 1, 1]),
        helper.make_node("DequantizeLinear", ["c2", "y2s", "y2z"], ["y"], name="dequantize"),
    ]
    consts = {"xs": xs, "xz": xz, "w1": w1, "w1s": w1s, "w1z": w1z, "b1": b1, "y1s": y1s, "y1z": y1z, "w2": w2,
              "w2s": w2s, "w2z": np.zeros(4, np.int8), "y2s": y2s, "y2z": y2z}
    write(out, "qcnn", nodes,
          [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
          [helper.make_tensor_value_info("y", TensorProto.FLOAT, y.shape)],
          initializers(consts),
          [("x", x)], [("y", y)])


def qmatmul(out):
    a = ints((12, 40), -128, 127, np.int8)
    bi = ints((40, 24), -128, 127, np.int8)
    az = np.int8(3)
    b = ints((24, 16), 0, 255, np.uint8)                   # b − 128 fits int8
    as_, bs, ys, yz = np.float32(0.02), np.float32(0.01), np.float32(0.5), np.uint8(100)
    i = (a.astype(np.int64) - az) @ bi.astype(np.int64)
    m = ints((12, 24), 0, 255, np.uint8)
    mz = np.uint8(77)
    acc = (m.astype(np.int64) - mz) @ (b.astype(np.int64) - 128)
    y = requantize(acc, np.array((np.float32(as_) * bs) / ys), yz, np.uint8)
    nodes = [
        helper.make_node("MatMulInteger", ["a", "bi", "az"], ["i"], name="mmi"),
        helper.make_node("QLinearMatMul", ["m", "as", "mz", "b", "bs", "bz", "ys", "yz"], ["y"], name="qmm"),
    ]
    consts = {"bi": bi, "az": az, "as": as_, "mz": mz, "b": b, "bs": bs, "bz": np.uint8(128), "ys": ys, "yz": yz}
    write(out, "qmatmul", nodes,
          [helper.make_tensor_value_info("a", TensorProto.INT8, a.shape),
           helper.make_tensor_value_info("m", TensorProto.UINT8, m.shape)],
          [helper.make_tensor_value_info("i", TensorProto.INT32, i.shape),
           helper.make_tensor_value_info("y", TensorProto.UINT8, y.shape)],
          initializers(consts),
          [("a", a), ("m", m)], [("i", i.astype(np.int32)), ("y", y)])


def pool_ref(x, k, s, d, pads, ceil, mode):
    """ONNX's pooling by its definition: the output size rounded down or
    up (but for a last window that would start in the end padding), each
    window's taps inside the input (max), or their mean over the taps inside
    the input (average, count_include_pad 0)"""
    n, c, h, w = x.shape
    outs = []
    for size, p0, p1 in ((h, pads[0], pads[2]), (w, pads[1], pads[3])):
        span = (k - 1) * d + 1
        q = (size + p0 + p1 - span) / s
        o = int(np.ceil(q) if ceil else np.floor(q)) + 1
        outs.append(o - 1 if ceil and (o - 1) * s >= size + p0 else o)
    y = np.zeros((n, c, outs[0], outs[1]), dtype=np.float64)
    for i in range(outs[0]):
        for j in range(outs[1]):
            rows = [i * s + t * d - pads[0] for t in range(k)]
            cols = [j * s + t * d - pads[1] for t in range(k)]
            rows = [r for r in rows if 0 <= r < h]
            cols = [c_ for c_ in cols if 0 <= c_ < w]
            win = x[:, :, rows][:, :, :, cols].astype(np.float64)
            y[:, :, i, j] = win.max(axis=(2, 3)) if mode == "max" else win.mean(axis=(2, 3))
    return y


def pools(out):
    xi = ints((1, 16, 13, 13), -128, 127, np.int8)
    xf = ints((2, 3, 10, 9), -50, 50, np.float32) / np.float32(8)
    yi = pool_ref(xi, 3, 2, 2, [1, 1, 1, 1], True, "max").astype(np.int8)
    yf = pool_ref(xf, 3, 2, 1, [1, 0, 1, 1], True, "avg").astype(np.float32)
    # rounded up, its last window would start in the end padding: dropped
    xe = ints((1, 2, 6, 6), -50, 50, np.float32)
    ye = pool_ref(xe, 2, 3, 1, [0, 0, 1, 1], True, "max").astype(np.float32)
    assert ye.shape == (1, 2, 2, 2)
    nodes = [
        helper.make_node("MaxPool", ["xe"], ["ye"], name="maxpool_end", kernel_shape=[2, 2], strides=[3, 3],
                         pads=[0, 0, 1, 1], ceil_mode=1),
        helper.make_node("MaxPool", ["xi"], ["yi"], name="maxpool", kernel_shape=[3, 3], strides=[2, 2],
                         dilations=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1),
        helper.make_node("AveragePool", ["xf"], ["yf"], name="avgpool", kernel_shape=[3, 3], strides=[2, 2],
                         pads=[1, 0, 1, 1], ceil_mode=1, count_include_pad=0),
    ]
    write(out, "pools", nodes,
          [helper.make_tensor_value_info("xi", TensorProto.INT8, xi.shape),
           helper.make_tensor_value_info("xf", TensorProto.FLOAT, xf.shape),
           helper.make_tensor_value_info("xe", TensorProto.FLOAT, xe.shape)],
          [helper.make_tensor_value_info("yi", TensorProto.INT8, yi.shape),
           helper.make_tensor_value_info("yf", TensorProto.FLOAT, yf.shape),
           helper.make_tensor_value_info("ye", TensorProto.FLOAT, ye.shape)],
          [], [("xi", xi), ("xf", xf), ("xe", xe)], [("yi", yi), ("yf", yf), ("ye", ye)])


def conv_ref(x, w, b, strides, pads, dilations, group):
    """ONNX's Conv of any spatial rank, by its definition (float64)"""
    import itertools
    S = x.ndim - 2
    n, c = x.shape[:2]
    o = w.shape[0]
    ks = w.shape[2:]
    outs = [(x.shape[2 + d] + pads[d] + pads[d + S] - (ks[d] - 1) * dilations[d] - 1) // strides[d] + 1 for d in range(S)]
    y = np.zeros((n, o) + tuple(outs))
    cg, og = c // group, o // group
    for pos in itertools.product(*[range(v) for v in outs]):
        for k in itertools.product(*[range(v) for v in ks]):
            at = [pos[d] * strides[d] + k[d] * dilations[d] - pads[d] for d in range(S)]
            if any(a < 0 or a >= x.shape[2 + d] for d, a in enumerate(at)):
                continue
            for g in range(group):
                xs = x[(slice(None), slice(g * cg, (g + 1) * cg)) + tuple(at)].astype(np.float64)
                ws = w[(slice(g * og, (g + 1) * og), slice(None)) + k].astype(np.float64)
                y[(slice(None), slice(g * og, (g + 1) * og)) + pos] += xs @ ws.T
    return y + b.astype(np.float64).reshape((1, o) + (1,) * S)


def qdq(out):
    x = rng.uniform(-2, 2, size=(1, 3, 10, 10)).astype(np.float32)
    sx, zx = np.float32(1 / 64), np.uint8(128)
    wq = ints((8, 3, 3, 3), -127, 127, np.int8)
    sw = rng.uniform(0.002, 0.01, size=8).astype(np.float32)
    sb = (np.float32(sx) * sw).astype(np.float32)
    bq = ints((8,), -2000, 2000, np.int32)
    sy, zy = np.float32(0.04), np.uint8(20)
    mq = ints((10, 6), -127, 127, np.int8)
    sm, sz, zz = np.float32(0.01), np.float32(0.2), np.uint8(128)
    xq = quantize(x, sx, zx, np.uint8)
    acc1 = conv2d(xq.astype(np.int64) - zx, wq, bq, 1, 1).astype(np.int64)
    m1 = ((np.float32(sx) * sw) / np.float32(sy)).reshape(1, 8, 1, 1)
    yq = np.clip(np.rint(acc1.astype(np.float32) * m1) + zy, zy, 255).astype(np.uint8)  # Relu: not below zy
    acc2 = (yq.astype(np.int64) - zy) @ mq.astype(np.int64)
    zq = requantize(acc2, np.array((np.float32(sy) * sm) / sz), zz, np.uint8)
    z = ((zq.astype(np.float32) - np.float32(zz)) * sz).astype(np.float32)
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"], name="qx"),
        helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xf"], name="dqx"),
        helper.make_node("DequantizeLinear", ["wq", "sw"], ["wf"], name="dqw", axis=0),
        helper.make_node("DequantizeLinear", ["bq", "sb"], ["bf"], name="dqb", axis=0),
        helper.make_node("Conv", ["xf", "wf", "bf"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("QuantizeLinear", ["r", "sy", "zy"], ["yq"], name="qy"),
        helper.make_node("DequantizeLinear", ["yq", "sy", "zy"], ["yf"], name="dqy"),
        helper.make_node("DequantizeLinear", ["mq", "sm"], ["mf"], name="dqm"),
        helper.make_node("MatMul", ["yf", "mf"], ["p"], name="matmul"),
        helper.make_node("QuantizeLinear", ["p", "sz", "zz"], ["zq"], name="qz"),
        helper.make_node("DequantizeLinear", ["zq", "sz", "zz"], ["z"], name="dqz"),
    ]
    consts = {"sx": sx, "zx": zx, "wq": wq, "sw": sw, "bq": bq, "sb": sb, "sy": sy, "zy": zy, "mq": mq, "sm": sm,
              "sz": sz, "zz": zz}
    write(out, "qdq", nodes,
          [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
          [helper.make_tensor_value_info("z", TensorProto.FLOAT, z.shape)],
          initializers(consts),
          [("x", x)], [("z", z)])


def dynamic(out):
    x = ints((2, 3, 8, 8), -3, 3, np.float32)
    w = ints((4, 3, 3, 3), -1, 1, np.float32)
    y = np.maximum(conv2d(x, w, np.zeros(4), 1, 1), 0).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["y"], name="relu")]
    write(out, "dynamic", nodes,
          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 8, 8])],
          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4, 8, 8])],
          [numpy_helper.from_array(w, "w")], [("x", x)], [("y", y)])


def conv_nd(out):
    x1 = ints((2, 4, 21), -3, 3, np.float16)
    w1 = ints((6, 2, 3), -2, 2, np.float16)
    b1 = ints((6,), -4, 4, np.float16)
    y1 = conv_ref(x1, w1, b1, [2], [1, 2], [2], 2).astype(np.float16)
    x3 = ints((1, 2, 5, 6, 7), -3, 3, np.float32)
    w3 = ints((3, 2, 2, 3, 2), -1, 1, np.float32)
    y3 = conv_ref(x3, w3, np.zeros(3), [1, 2, 1], [1, 0, 1, 0, 1, 1], [1, 1, 2], 1).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x1", "w1", "b1"], ["y1"], name="conv1d", strides=[2], pads=[1, 2], dilations=[2],
                         group=2),
        helper.make_node("Conv", ["x3", "w3"], ["y3"], name="conv3d", strides=[1, 2, 1], pads=[1, 0, 1, 0, 1, 1],
                         dilations=[1, 1, 2]),
    ]
    write(out, "conv_nd", nodes,
          [helper.make_tensor_value_info("x1", TensorProto.FLOAT16, x1.shape),
           helper.make_tensor_value_info("x3", TensorProto.FLOAT, x3.shape)],
          [helper.make_tensor_value_info("y1", TensorProto.FLOAT16, y1.shape),
           helper.make_tensor_value_info("y3", TensorProto.FLOAT, y3.shape)],
          [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"), numpy_helper.from_array(w3, "w3")],
          [("x1", x1), ("x3", x3)], [("y1", y1), ("y3", y3)])


def reshape(out):
    x = ints((2, 3, 4, 5), -9, 9, np.float32)
    y = x.reshape(6, 20).T.reshape(4, 5, 6)
    nodes = [
        helper.make_node("Reshape", ["x", "s1"], ["a"], name="to2d"),
        helper.make_node("Transpose", ["a"], ["t"], name="transpose", perm=[1, 0]),
        helper.make_node("Reshape", ["t", "s2"], ["y"], name="to3d"),
    ]
    write(out, "reshape", nodes,
          [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
          [helper.make_tensor_value_info("y", TensorProto.FLOAT, y.shape)],
          [numpy_helper.from_array(np.array([6, -1], dtype=np.int64), "s1"),
           numpy_helper.from_array(np.array([4, 5, -1], dtype=np.int64), "s2")],
          [("x", x)], [("y", y)])


def select_expected(x):
    s = x.sum()
    if s > 0:  # the then branch
        y = x * x - x
    else:  # the else branch: its own 's' (Clip with a bound of 0.5), squared
        y = np.maximum(x, np.float32(0.5)) ** 2
    w = np.where(x >= 1, x, (x != 0).astype(np.float32))
    return [("c", np.array(s > 0)), ("y", y.astype(np.float32)), ("z", (x + s).astype(np.float32)),
            ("w", w.astype(np.float32)), ("q", np.abs(x).astype(np.float32))]


def select(out):
    x = ints((2, 3, 4), -3, 3, np.float32)
    if x.sum() <= 0:
        x = -x
    if x.sum() == 0:
        x[0, 0, 0] = 1
    x1 = -x  # its sum is negative: the else branch
    then_g = helper.make_graph([
        helper.make_node("Mul", ["x", "x"], ["s"], name="square"),  # 's' is the graph's name too
        helper.make_node("Sub", ["s", "x"], ["yt"], name="less_x"),
    ], "then", [], [helper.make_tensor_value_info("yt", TensorProto.FLOAT, x.shape)])
    else_g = helper.make_graph([
        helper.make_node("Constant", [], ["half"], name="half", value=numpy_helper.from_array(np.array(0.5, np.float32))),
        helper.make_node("Clip", ["x", "half"], ["s"], name="at_least_half"),
        helper.make_node("Constant", [], ["two"], name="two", value=numpy_helper.from_array(np.array(2, np.float32))),
        helper.make_node("Pow", ["s", "two"], ["ye"], name="squared"),
    ], "else", [], [helper.make_tensor_value_info("ye", TensorProto.FLOAT, x.shape)])
    nodes = [
        helper.make_node("ReduceSum", ["x"], ["s"], name="sum", keepdims=0),
        helper.make_node("Constant", [], ["zero"], name="zero", value=numpy_helper.from_array(np.array(0, np.float32))),
        helper.make_node("Greater", ["s", "zero"], ["c"], name="positive"),
        helper.make_node("If", ["c"], ["y"], name="if", then_branch=then_g, else_branch=else_g),
        helper.make_node("Add", ["x", "s"], ["z"], name="plus_sum"),
        helper.make_node("Constant", [], ["one"], name="one", value=numpy_helper.from_array(np.array(1, np.float32))),
        helper.make_node("GreaterOrEqual", ["x", "one"], ["big"], name="big"),
        helper.make_node("Equal", ["x", "zero"], ["is0"], name="is0"),
        helper.make_node("Not", ["is0"], ["not0"], name="not0"),
        helper.make_node("Cast", ["not0"], ["nz"], name="nz", to=TensorProto.FLOAT),
        helper.make_node("Where", ["big", "x", "nz"], ["w"], name="where"),
        helper.make_node("Mul", ["x", "x"], ["xx"], name="xx"),
        helper.make_node("Sqrt", ["xx"], ["q"], name="abs"),
    ]
    outs = [helper.make_tensor_value_info("c", TensorProto.BOOL, [])] + \
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, x.shape) for n in ["y", "z", "w", "q"]]
    write(out, "select", nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)], outs, [],
          [("x", x)], select_expected(x), more=[([("x", x1)], select_expected(x1))])


def int_moves(out):
    x = np.arange(-128, 128, dtype=np.int8).reshape(4, 64)
    a, b, c = ints((4, 64), -1000, 1000, np.int32), ints((4, 64), -1000, 1000, np.int32), ints((64,), -1000, 1000, np.int32)
    f, g = ints((4, 64), -8, 8, np.float32), ints((4, 64), -8, 8, np.float32)
    nodes = [
        helper.make_node("Abs", ["x"], ["abs"], name="abs"),
        helper.make_node("Neg", ["x"], ["neg"], name="neg"),
        helper.make_node("Sum", ["a", "b", "c"], ["sum"], name="sum"),
        helper.make_node("Mean", ["f", "g"], ["mean"], name="mean"),
    ]
    ins = [("x", x), ("a", a), ("b", b), ("c", c), ("f", f), ("g", g)]
    outs = [("abs", np.abs(x)), ("neg", np.negative(x)), ("sum", a + b + c), ("mean", ((f + g) / 2).astype(np.float32))]
    types = {np.dtype(np.int8): TensorProto.INT8, np.dtype(np.int32): TensorProto.INT32,
             np.dtype(np.float32): TensorProto.FLOAT}

    def info(n, v):
        return helper.make_tensor_value_info(n, types[v.dtype], v.shape)
    write(out, "int_moves", nodes, [info(n, v) for n, v in ins], [info(n, v) for n, v in outs], [], ins, outs)


def shape_chain(out):
    w = ints((12, 5), -2, 2, np.float32)
    i64 = lambda *v: numpy_helper.from_array(np.array(v, dtype=np.int64))
    c = lambda name, *v: helper.make_node("Constant", [], [name], name=name, value=i64(*v))
    scalar = lambda name, v: helper.make_node("Constant", [], [name], name=name,
                                              value=numpy_helper.from_array(np.array(v, dtype=np.int64)))
    nodes = [
        scalar("zero", 0), scalar("one", 1), scalar("two", 2), c("minus1", -1), c("heads", 2), c("axes0", 0), c("start1", 1), c("end_big", 99),
        helper.make_node("Shape", ["x"], ["xs"], name="shape"),
        helper.make_node("Gather", ["xs", "zero"], ["batch"], name="batch", axis=0),  # a scalar
        helper.make_node("Unsqueeze", ["batch", "axes0"], ["batch1"], name="batch1"),
        helper.make_node("Slice", ["xs", "start1", "end_big"], ["rest"], name="rest"),  # [3, 4]
        helper.make_node("Size", ["rest"], ["nrest"], name="nrest"),  # 2
        helper.make_node("Range", ["zero", "nrest", "one"], ["idx"], name="idx"),  # [0, 1]
        helper.make_node("Gather", ["rest", "idx"], ["rest2"], name="rest2"),
        helper.make_node("Mul", ["rest2", "one"], ["rest3"], name="rest3"),
        helper.make_node("Concat", ["batch1", "minus1"], ["flat_shape"], name="flat_shape", axis=0),
        helper.make_node("Reshape", ["x", "flat_shape"], ["flat"], name="flatten"),  # [B, 12]
        helper.make_node("MatMul", ["flat", "w"], ["y"], name="fc"),  # [B, 5]
        helper.make_node("Gather", ["rest3", "one"], ["last"], name="last"),  # 4
        helper.make_node("Div", ["last", "two"], ["per_head"], name="per_head"),  # 2, a scalar
        helper.make_node("Unsqueeze", ["per_head", "axes0"], ["per_head1"], name="per_head1"),
        helper.make_node("Neg", ["minus1"], ["one_again"], name="one_again"),
        helper.make_node("ConstantOfShape", ["one_again"], ["ones"], name="ones",
                         value=numpy_helper.from_array(np.array([1], dtype=np.int64))),
        helper.make_node("Squeeze", ["ones", "axes0"], ["one_scalar"], name="one_scalar"),
        helper.make_node("Unsqueeze", ["one_scalar", "axes0"], ["one_vec"], name="one_vec"),
        helper.make_node("Mul", ["heads", "one_vec"], ["heads1"], name="heads1"),
        helper.make_node("Concat", ["batch1", "minus1", "heads1", "per_head1"], ["split_shape"], name="split_shape",
                         axis=0),
        helper.make_node("Reshape", ["x", "split_shape"], ["z"], name="split_heads"),  # [B, 3, 2, 2]
        helper.make_node("Cast", ["per_head1"], ["per_head_f"], name="per_head_f", to=TensorProto.FLOAT),
        helper.make_node("Mul", ["z", "per_head_f"], ["z2"], name="scale_heads"),
    ]
    b = 3  # the data set sizes the batch
    x = ints((b, 3, 4), -3, 3, np.float32)
    y = x.reshape(b, 12).astype(np.float64) @ w.astype(np.float64)
    sets = [([("x", x)], [("y", y.astype(np.float32)), ("z2", (x.reshape(b, 3, 2, 2) * 2).astype(np.float32))])]
    write(out, "shape_chain", nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 4])],
          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 5]),
           helper.make_tensor_value_info("z2", TensorProto.FLOAT, ["batch", 3, 2, 2])],
          [numpy_helper.from_array(w, "w")], *sets[0], more=sets[1:])


def long_names(out):
    scope = "StatefulPartitionedCall/sequential/conv2d/BiasAdd;StatefulPartitionedCall/sequential/"
    x_name, w_name = "serving_default_input_image_of_the_classifier_model_0:0" * 2, scope + "conv2d/Conv2D/ReadVariableOp"
    a_name, b_name, y_name = scope + "conv2d/Conv2D", scope + "conv2d/Relu", scope + "add/StatefulPartitionedCall:0"
    x = ints((1, 3, 8, 8), -3, 3, np.float32)
    w = ints((4, 3, 3, 3), -1, 1, np.float32)
    a = conv2d(x, w, np.zeros(4), 1, 1)
    y = a + np.maximum(a, 0)
    nodes = [
        helper.make_node("Conv", [x_name, w_name], [a_name], name=scope + "conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", [a_name], [b_name], name=scope + "relu"),
        helper.make_node("Add", [a_name, b_name], [y_name], name=scope + "add"),
    ]
    write(out, "long_names", nodes, [helper.make_tensor_value_info(x_name, TensorProto.FLOAT, x.shape)],
          [helper.make_tensor_value_info(y_name, TensorProto.FLOAT, y.shape)], [numpy_helper.from_array(w, w_name)],
          [(x_name, x)], [(y_name, y.astype(np.float32))])


if __name__ == "__main__":
    out = sys.argv[1]
    conv_fp16(out)
    cnn_fp32(out)
    cnn_fp32(out, "cnn_fp32_external", True)
    reshape(out)
    pad_conv_bn(out)
    qcnn(out)
    qmatmul(out)
    pools(out)
    conv_nd(out)
    qdq(out)
    dynamic(out)
    select(out)
    long_names(out)
    int_moves(out)
    shape_chain(out)
