#!/usr/bin/env python3
"""onnx-table.py TESSEL [DATADIR]: the conformance table of docs/onnx.md.

Runs `tessel onnx-test --json` on every ONNX backend node test (Debian's
libonnx-testdata) of the operators tessel imports, on vta-default and
mma-fp16, and prints a markdown table: per test and description, whether
its outputs match, where each op ran, or why the model is refused.
"""
import json
import os
import re
import subprocess
import sys

OPS = ["conv", "basic_conv", "gemm", "matmul", "maxpool", "averagepool", "globalaveragepool", "globalmaxpool",
       "relu", "clip", "add", "sub", "mul", "max", "flatten", "reshape", "squeeze", "unsqueeze", "transpose",
       "identity", "constant", "pad", "constant_pad", "batchnorm", "convinteger", "basic_convinteger", "matmulinteger",
       "qlinearconv", "qlinearmatmul", "quantizelinear", "dequantizelinear", "leakyrelu", "prelu", "min", "concat",
       "sigmoid", "softmax", "div", "reduce_max", "reduce_sum", "reduce_mean", "reduce_sum_square", "exp",
       "log", "sqrt", "pow", "cast", "equal", "greater", "less", "not", "where", "if", "tanh", "erf", "hardsigmoid",
       "hardswish", "softplus", "elu", "selu", "abs", "neg", "sum", "mean", "dropout",
       "logsoftmax", "layer_normalization", "reciprocal", "shape", "size", "gather", "slice",
       "range", "constantofshape"]
HWS = ["vta-default", "mma-fp16"]


def run(tessel, test, hw):
    p = subprocess.run([tessel, "onnx-test", test, "--hw", hw, "--json"], capture_output=True, text=True)
    if p.returncode == 0 or p.stdout.strip():
        try:
            d = json.loads(p.stdout)
        except ValueError:
            return "error: " + p.stdout.strip()[:80]
        where = sorted({f"{n['op_type']} {'acc' if n['placement'] == 'accelerator' else 'host'}" for n in d["nodes"]})
        verdict = "match" if d["failed"] == 0 else "**differ**"
        return f"{verdict} ({', '.join(where)})"
    msg = p.stderr.strip().splitlines()[0] if p.stderr.strip() else f"exit {p.returncode}"
    msg = re.sub(r"^\S+model\.onnx: error: ", "", msg)
    msg = re.sub(r"; the supported ops are .*", "", msg)
    return "refused: " + msg.replace("|", "\\|")


def main():
    tessel = sys.argv[1]
    data = sys.argv[2] if len(sys.argv) > 2 else "/usr/include/onnx/backend/test/data/node"
    src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tests = sorted(t for t in os.listdir(data)
                   if any(re.fullmatch(rf"test_{o}(_.*)?", t) for o in OPS))
    print("| test | " + " | ".join(HWS) + " |")
    print("| --- | " + " | ".join("---" for _ in HWS) + " |")
    for t in tests:
        cells = [run(tessel, os.path.join(data, t), os.path.join(src, "examples/hw", h + ".yaml")) for h in HWS]
        print(f"| {t} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
