#!/usr/bin/python3
"""scripts/area-calibrate.py [--tessel TESSEL] [--markdown measured|calibration|coefficients] [--check]

Fits the logic coefficients of the area model (hwdesc/area.h, HW_AREA_COEFFS)
to the Yosys reports in rtl/area/ -- one per example description
(examples/hw/NAME.yaml -> rtl/area/NAME.txt, written by scripts/area.sh), the
only place the measurements are kept -- and prints the fitted coefficients
beside the ones compiled into tessel, then each configuration's logic cells,
measured and modelled, and the model's error.

The model's terms come from `tessel area HW.yaml --json`: each logic
component is a sum of coefficient x quantity, so the fit is a linear least
squares over every component of every configuration, in relative error (each
row divided by its measurement, so that the control logic counts as much as
the MAC array).  Beside the components, the multipliers of the integer MAC
arrays (the report's tsl_mul modules) are a row of their own: they separate
the multiplier's coefficient from the adder's, which every int8 configuration
would otherwise see only together.

--markdown prints one of the tables of the docs (scripts/gen-docs.sh puts
them between the generated markers of docs/rtl.md and docs/energy.md).
--check fails when the compiled coefficients are not the fit (rounded as
printed) or a docs table is not what this prints.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Which component of the model each unit of tsl_core is (the same table as
# unit_parts in hwdesc/area.c, which reads these reports for `tessel area --yosys`).
UNIT_PARTS = {
    "tsl_gemm": "mac", "tsl_alu": "alu", "tsl_fp32_to_fp16": "alu", "tsl_dma": "dma",
    "tsl_fifo": "queues", "tsl_shared": "shared", "tsl_loop": "control", "tsl_spad": "control",
    "tsl_core": "control",
}
LOGIC_PARTS = ["mac", "alu", "dma", "queues", "shared", "control"]
DIGITS = 4  # significant digits of a fitted coefficient in hwdesc/area.h


def parse_report(text):
    """A report of scripts/area.sh: totals by cell type, units, modules, time."""
    r = {"types": {}, "units": [], "modules": {}, "seconds": None}
    section = "cells"
    for line in text.splitlines():
        if line.startswith("units of "):
            section = "units"
        elif line.startswith("modules by name"):
            section = "modules"
        elif m := re.match(r"\s*Number of cells:\s+(\d+)", line):
            r["cells"] = int(m.group(1))
        elif m := re.match(r"synthesised in (\d+) s", line):
            r["seconds"] = int(m.group(1))
        elif section == "cells" and (m := re.match(r"\s+(\$\S+)\s+(\d+)$", line)):
            r["types"][m.group(1)] = int(m.group(2))
        elif section == "units" and (m := re.match(r"\s+(\S+)([^:]*): (\d+) x (\d+) cells", line)):
            k = re.search(r"\bK=(\d+)", m.group(2))
            r["units"].append((m.group(1), int(k.group(1)) if k else None, int(m.group(3)) * int(m.group(4))))
        elif section == "modules" and (m := re.match(r"\s+(\S+): (\d+) instances, (\d+) cells", line)):
            r["modules"][m.group(1)] = int(m.group(3))
    r["memories"] = sum(n for t, n in r["types"].items() if t.startswith("$mem"))
    r["logic"] = r["cells"] - r["memories"]
    return r


def measured_components(report, model):
    """The report's cells per logic component of the model (MAC arrays by intrinsic)."""
    out = {}
    macs = [c["name"] for c in model["components"] if c["part"] == "mac"]
    nth = 0
    for unit, k, cells in report["units"]:
        part = UNIT_PARTS[unit]
        if part == "mac":
            name = macs[k if k is not None else nth]
            nth += k is None
        else:
            name = next(c["name"] for c in model["components"] if c["part"] == part)
        out[name] = out.get(name, 0) + cells
    if sum(out.values()) != report["logic"]:
        sys.exit(f"area-calibrate: the units do not add up to the design's {report['logic']} logic cells")
    return out


def load(tessel):
    """Every configuration with a report: (name, report, model JSON)."""
    configs = []
    for path in sorted(glob.glob(os.path.join(HERE, "rtl/area/*.txt"))):
        name = os.path.basename(path)[:-4]
        with open(path) as f:
            report = parse_report(f.read())
        hw = os.path.join(HERE, "examples/hw", name + ".yaml")
        model = json.loads(subprocess.run([tessel, "area", hw, "--json"], check=True, capture_output=True,
                                          text=True).stdout)
        configs.append((name, report, model))
    if not configs:
        sys.exit("area-calibrate: no reports in rtl/area/")
    return sorted(configs, key=lambda c: c[1]["cells"])  # smallest first


def rows(configs):
    """(measured cells, {coefficient: quantity}) per fitted row."""
    out = []
    for _, report, model in configs:
        measured = measured_components(report, model)
        for c in model["components"]:
            if c["part"] != "sram":
                out.append((measured.get(c["name"], 0), c["terms"]))
        mul = sum(c["terms"].get("int_mul", 0) for c in model["components"])
        if "tsl_mul" in report["modules"] and mul:
            out.append((report["modules"]["tsl_mul"], {"int_mul": mul}))
    return out


def solve(configs):
    """The least-squares coefficients over configs, or None when some
    coefficient has no measurement that tells it apart from the others."""
    coeffs = configs[0][2]["coefficients"]
    names = [n for n, c in coeffs.items() if c["source"] == "fitted"]
    a = np.array([[t.get(n, 0) / m for n in names] for m, t in rows(configs) if m > 0])
    if np.linalg.matrix_rank(a) < len(names):
        return None
    x, *_ = np.linalg.lstsq(a, np.ones(len(a)), rcond=None)
    return dict(zip(names, x))


def fit(configs):
    x = solve(configs)
    if x is None:
        sys.exit("area-calibrate: the reports do not determine every fitted coefficient")
    return {n: float(f"{v:.{DIGITS}g}") for n, v in x.items()}


def logic_cells(model, coeffs):
    """The model's logic cells with other coefficients."""
    return sum(sum(coeffs.get(k, model["coefficients"][k]["value"]) * q for k, q in c["terms"].items())
               for c in model["components"] if c["part"] != "sram")


def held_out(configs, i):
    """Configuration i's error under the coefficients fitted without it, or
    None when the others do not determine them all."""
    x = solve(configs[:i] + configs[i + 1:])
    name, report, model = configs[i]
    return None if x is None else error(logic_cells(model, x), report["logic"])


def error(model, measured):
    return 100.0 * (model / measured - 1) if measured else None


def pct(e):
    return "-" if e is None else "0.0%" if round(e, 1) == 0 else f"{e:+.1f}%"


def grouped(n):
    return f"{n:,.0f}".replace(",", " ")


def minutes(s):
    return "-" if s is None else f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


def table_measured(configs):
    t = ["| configuration | cells | flip-flops | AND/NAND | XOR/XNOR | MUX | OR/NOR/NOT | memories | time |",
         "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, r, _ in configs:
        ty = r["types"]
        ff = sum(n for k, n in ty.items() if "DFF" in k)
        pick = lambda *ks: sum(ty.get(f"$_{k}_", 0) for k in ks)
        other = r["logic"] - ff - pick("AND", "NAND", "XOR", "XNOR", "MUX")
        t.append(f"| {name} | {grouped(r['cells'])} | {grouped(ff)} | {grouped(pick('AND', 'NAND'))} | "
                 f"{grouped(pick('XOR', 'XNOR'))} | {grouped(pick('MUX'))} | {grouped(other)} | "
                 f"{r['memories']} | {minutes(r['seconds'])} |")
    return t


def table_calibration(configs):
    t = ["| configuration | Yosys logic cells | model | error | held out | " + " | ".join(LOGIC_PARTS) + " |",
         "| --- " * (5 + len(LOGIC_PARTS)) + "|"]
    worst = 0.0
    for i, (name, r, model) in enumerate(configs):
        measured = measured_components(r, model)
        parts = []
        for p in LOGIC_PARTS:
            cs = [c for c in model["components"] if c["part"] == p]
            m = sum(measured.get(c["name"], 0) for c in cs)
            parts.append(pct(error(sum(c["cells"] for c in cs), m)) if cs else "")
        e = error(model["logic_cells"], r["logic"])
        worst = max(worst, abs(e))
        t.append(f"| {name} | {grouped(r['logic'])} | {grouped(model['logic_cells'])} | {pct(e)} | "
                 f"{pct(held_out(configs, i))} | " + " | ".join(parts) + " |")
    t.append("")
    t.append(f"Largest error of the logic cells: {worst:.1f}%.")
    return t


def table_coefficients(configs):
    t = ["| coefficient | value | unit | from |", "| --- | --- | --- | --- |"]
    for n, c in configs[0][2]["coefficients"].items():
        t.append(f"| `{n}` | {number(c['value'])} | {c['unit']} | {c['source']} |")
    return t


TABLES = {"measured": table_measured, "calibration": table_calibration, "coefficients": table_coefficients}


def number(v):
    """A coefficient as hwdesc/area.h writes it: 17540, 5.059."""
    return f"{v:.{DIGITS}g}" if abs(v) < 10 ** DIGITS else f"{v:.0f}"


def report_text(configs, fitted):
    coeffs = configs[0][2]["coefficients"]
    print(f"{'coefficient':<18} {'fitted':>10} {'in tessel':>10}  unit")
    for n, v in fitted.items():
        mark = "" if v == coeffs[n]["value"] else "   <- differs: put the fit into HW_AREA_COEFFS"
        print(f"{n:<18} {number(v):>10} {number(coeffs[n]['value']):>10}  {coeffs[n]['unit']}{mark}")
    print()
    print("\n".join(table_calibration(configs)))


def check(configs, fitted, tessel):
    bad = [n for n, v in fitted.items() if v != configs[0][2]["coefficients"][n]["value"]]
    if bad:
        print(f"FAIL: hwdesc/area.h's {', '.join(bad)} are not the fit; run scripts/area-calibrate.py")
    for doc, table in (("docs/rtl.md", "measured"), ("docs/energy.md", "calibration"),
                       ("docs/energy.md", "coefficients")):
        with open(os.path.join(HERE, doc)) as f:
            text = f.read()
        marker = f"<!-- generated: scripts/area-calibrate.py --markdown {table} -->\n"
        at = text.find(marker)
        want = "\n".join(TABLES[table](configs)) + "\n"
        if at < 0 or not text[at + len(marker):].startswith(want + "<!-- end generated -->"):
            print(f"FAIL: {doc}'s {table} table is out of date; regenerate with scripts/gen-docs.sh {tessel}")
            bad.append(doc)
    if bad:
        sys.exit(1)
    print(f"area-calibrate: the coefficients are the fit of {len(configs)} reports, and the docs are current")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tessel", default=os.path.join(HERE, "build/tessel"))
    ap.add_argument("--markdown", choices=sorted(TABLES))
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    configs = load(args.tessel)
    if args.markdown:
        print("\n".join(TABLES[args.markdown](configs)))
        return
    fitted = fit(configs)
    if args.check:
        check(configs, fitted, args.tessel)
    else:
        report_text(configs, fitted)


if __name__ == "__main__":
    main()
