#!/usr/bin/env python3
"""depthwise.py TESSEL SOURCE_DIR: the depthwise layers of mobilenet-dw and
of MobileNet-v1 (tests/bench/mobilenet-v1-dw.yaml) on every example
description, each with its default mapping (`tessel exec --json`): cycles,
the roofline bound, the fraction of it reached, the intrinsic and form.  On
a description with an intrinsic the GEMM's diagonal is not (a vector MAC),
the same layers again with that intrinsic taken out, the GEMM's diagonal
binding alone: the figure before it.  Cycles are exact."""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile


def run(tessel, workload, hw):
    out = subprocess.run([tessel, "exec", workload, "--hw", hw, "--json"], check=True, capture_output=True, text=True)
    return [o for o in json.loads(out.stdout)["ops"] if o["kind"] == "depthwise" and o["cycles"]]


def without_lanewise(path, tmp):
    """The description without its intrinsics whose expr has one index for
    the input's and the output's values (acc[p, c] += inp[p, c] * wgt[c])."""
    text = open(path).read()
    blocks = re.split(r"(?m)^(?=  - name: )", text.split("\nintrinsics:\n")[1].split("\nalu:\n")[0])
    keep = [b for b in blocks if not re.search(r'expr: "\w+\[(\w+, )?(\w+)\] \+= \w+\[(\w+, )?\2\] \* \w+\[\2\]"', b)]
    if len(keep) == len(blocks):
        return None
    head, rest = text.split("\nintrinsics:\n")
    out = os.path.join(tmp, os.path.basename(path))
    with open(out, "w") as f:
        f.write(head + "\nintrinsics:\n" + "".join(keep) + "\nalu:\n" + rest.split("\nalu:\n")[1])
    return out


def table(title, ops):
    if not ops:
        print(title + ": on the host")
        return
    print(title)
    print("  %-6s %10s %10s %8s  %s" % ("op", "cycles", "roofline", "of roof", "binding | mapping"))
    for o in ops:
        print("  %-6s %10d %10.0f %7.1f%%  %s | %s" % (o["name"], o["cycles"], o["roofline_cycles"],
                                                      100 * o["roofline_cycles"] / o["cycles"],
                                                      o["binding"].split(" outside")[0], o["mapping"]))


def main():
    tessel, src = sys.argv[1], sys.argv[2]
    workloads = [os.path.join(src, "examples/workloads/mobilenet-dw.yaml"), os.path.join(src, "tests/bench/mobilenet-v1-dw.yaml")]
    with tempfile.TemporaryDirectory() as tmp:
        for hw in sorted(glob.glob(os.path.join(src, "examples/hw/*.yaml"))):
            name = os.path.basename(hw)[:-5]
            for wl in workloads:
                wname = os.path.basename(wl)[:-5]
                try:
                    table("%s on %s" % (wname, name), run(tessel, wl, hw))
                except subprocess.CalledProcessError as e:
                    print("%s on %s: not run (%s)" % (wname, name, e.stderr.strip().splitlines()[-1:]))
                alone = without_lanewise(hw, tmp)
                if alone:
                    table("%s on %s, its GEMM alone" % (wname, name), run(tessel, wl, alone))


main()
