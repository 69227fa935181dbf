#!/usr/bin/python3
"""tests/onnx/refusals_test.py TESSEL WORK: models and data sets that are not
what they claim are refused with an error naming what is wrong (exit 1),
never imported or compared as if they were right (docs/onnx.md):

  - a node attribute of another type than the op reads (pads as FLOATS,
    strides as one FLOAT), one given twice, one of no type;
  - a pool whose pads reach a whole kernel (windows wholly in the padding);
  - onnx-test data sets: a graph input without its input_K.pb, an input or
    an expected output of another shape, a data set without outputs, a
    test_data_set_* that is a file;
  - and what must pass: equal infinities compare equal.

Expected outputs are computed here with numpy.
"""
import os
import shutil
import subprocess
import sys

import numpy as np
from onnx import AttributeProto, helper, numpy_helper, TensorProto, save

tessel, work = sys.argv[1], sys.argv[2]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
fails = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        fails.append(what)


def conv_model(name, attrs):
    """One Conv 'conv0' of x [1,3,5,5] and w [4,3,3,3], attrs a list of AttributeProto."""
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv0")
    node.attribute.extend(attrs)
    w = np.ones((4, 3, 3, 3), np.float32)
    g = helper.make_graph([node], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 5, 5])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                          [numpy_helper.from_array(w, "w")])
    path = f"{work}/{name}.onnx"
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


def refused(args, text, what):
    r = subprocess.run([tessel, *args], capture_output=True, text=True)
    check(r.returncode == 1 and text in r.stderr, f"{what}: exit {r.returncode} ({r.stderr.strip()[:240]})")


untyped = AttributeProto()
untyped.name = "group"
refused(["ir", conv_model("pads_floats", [helper.make_attribute("pads", [1.0, 1.0, 1.0, 1.0])])],
        "node 'conv0' (Conv, opset 13): attribute 'pads' is FLOATS; expected INTS", "pads as FLOATS")
refused(["ir", conv_model("strides_float", [helper.make_attribute("strides", 2.0)])],
        "attribute 'strides' is FLOAT; expected INTS", "strides as a FLOAT")
refused(["ir", conv_model("strides_twice", [helper.make_attribute("strides", [1, 1]),
                                            helper.make_attribute("strides", [2, 2])])],
        "attribute 'strides' appears twice (attributes 1 and 2)", "strides given twice")
refused(["ir", conv_model("untyped", [untyped])], "attribute 'group' has no type (UNDEFINED)", "an untyped attribute")
# the same Conv with its attributes right imports (the refusals are about the types)
r = subprocess.run([tessel, "ir", conv_model("right", [helper.make_attribute("pads", [1, 1, 1, 1]),
                                                       helper.make_attribute("strides", [2, 2])])],
                   capture_output=True, text=True)
check(r.returncode == 0, f"the Conv with INTS pads and strides imports ({r.stderr.strip()[:200]})")

for op in ("MaxPool", "AveragePool"):
    node = helper.make_node(op, ["x"], ["y"], name="pool0", kernel_shape=[2, 2], pads=[0, 2, 0, 0])
    g = helper.make_graph([node], "pool", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    path = f"{work}/{op}.onnx"
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    refused(["ir", path], f"node 'pool0' ({op}, opset 13): pads[1] is 2, not smaller than the kernel's 2",
            f"{op} with a pad of a whole kernel")

# onnx-test data sets: a Relu of x [1, 2, 3, 4]
rng = np.random.default_rng(3)
x = rng.standard_normal((1, 2, 3, 4)).astype(np.float32)
x[0, 0, 0, :2] = [np.inf, -np.inf]


def data_set(d, k, feeds=(("input_0", x),), outs=(("output_0", np.maximum(x, 0)),)):
    s = f"{d}/test_data_set_{k}"
    os.makedirs(s)
    for name, v in list(feeds) + list(outs):
        with open(f"{s}/{name}.pb", "wb") as f:
            f.write(numpy_helper.from_array(v, "x" if name.startswith("input") else "y").SerializeToString())


def relu_test(name):
    d = f"{work}/{name}"
    os.makedirs(d)
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="r")], name,
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 3, 4])])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), f"{d}/model.onnx")
    return d


d = relu_test("good")
data_set(d, 0)
r = subprocess.run([tessel, "onnx-test", d], capture_output=True, text=True)
check(r.returncode == 0 and "1 of 1 data sets match" in r.stdout,
      f"equal infinities match: exit {r.returncode} ({(r.stdout + r.stderr).strip()[:240]})")

d = relu_test("no_input")
data_set(d, 0, feeds=())
refused(["onnx-test", d], "test_data_set_0: no input_0.pb for graph input 'x'", "a data set without its input")
d = relu_test("input_shape")
data_set(d, 0, feeds=(("input_0", x.reshape(1, 2, 4, 3)),))
refused(["onnx-test", d], "a tensor of shape (1, 2, 4, 3) for graph input 'x', which has shape (1, 2, 3, 4)",
        "an input of another shape")
d = relu_test("output_shape")
data_set(d, 0, outs=(("output_0", np.maximum(x, 0).reshape(1, 2, 12, 1)),))
refused(["onnx-test", d], "a tensor of shape (1, 2, 12, 1) for output 'y', which has shape (1, 2, 3, 4)",
        "an expected output of another shape")
d = relu_test("no_output")
data_set(d, 0, outs=())
refused(["onnx-test", d], "test_data_set_0: no output_0.pb", "a data set without outputs")
d = relu_test("empty_set")
data_set(d, 0)
os.makedirs(f"{d}/test_data_set_1")
refused(["onnx-test", d], "test_data_set_1: no input_0.pb", "an empty data set")
d = relu_test("set_is_file")
data_set(d, 0)
with open(f"{d}/test_data_set_1", "w") as f:
    f.write("hi\n")
refused(["onnx-test", d], "test_data_set_1: error: not a folder", "a test_data_set_* that is a file")
sys.exit(1 if fails else 0)
