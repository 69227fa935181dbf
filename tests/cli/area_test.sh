#!/bin/sh
# area_test.sh TESSEL SRCDIR WORKDIR: `tessel area` — its text and JSON,
# figures worked out by hand from the coefficients docs/energy.md cites, a
# bad description (exit 1, located), bad usage (exit 2), and --yosys against
# a stored report (a stand-in scripts/area.sh prints rtl/area/NAME.txt: the
# real synthesis takes minutes, so no test runs it).
tessel=$1; src=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
hw=$src/examples/hw

. "$(dirname "$0")/checks.sh"
check() { # check DESCRIPTION PYTHON-ARGS...: a Python assertion script on stdin
  what=$1; shift
  if python3 - "$@" 2>"$work/why"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $what"; sed 's/^/  | /' "$work/why"; fi
}

# usage
expect 0 "area --help" "$tessel" area --help
contains "$work/out" "usage: tessel area [HW.yaml] [--json] [--yosys]" "area --help prints usage"
expect 2 "area with an unknown option" "$tessel" area --bogus
contains "$work/err" "unknown option '--bogus'" "the unknown option named"
expect 2 "area with two descriptions" "$tessel" area "$hw/vta-default.yaml" "$hw/edge-tiny.yaml"
expect 2 "area with --hw (the description is positional)" "$tessel" area --hw "$hw/vta-default.yaml"
expect 2 "area --yosys with a value" "$tessel" area --yosys=1

# bad input: located errors, exit 1
sed '0,/capacity: 32 KiB/s//capcity: 32 KiB/' "$hw/vta-default.yaml" >"$work/bad.yaml"
expect 1 "area of a description with a typo" "$tessel" area "$work/bad.yaml"
contains "$work/err" "bad.yaml:18:7: error: unknown key 'capcity' in scratchpad 'inp'" "the typo located"
expect 1 "area of a missing file" "$tessel" area "$work/none.yaml"
contains "$work/err" "none.yaml: error: cannot open" "the missing file named"
# a description whose alu instruction needs more than its 128 bits is no machine to price
sed 's/imm_bits: 16/imm_bits: 32/' "$hw/vta-default.yaml" >"$work/imm32.yaml"
expect 1 "area of a description whose instructions do not fit" "$tessel" area "$work/imm32.yaml"
contains "$work/err" "imm32.yaml:87:21: error: instruction 'alu' needs 142 bits" "the instruction that does not fit located"

# text: the built-in default is vta-default; every component, the sums
expect 0 "area of the built-in default" "$tessel" area
for t in "vta-default: " "  gemm           mac " "256 MACs, int8 x int8 -> int32" "  alu            alu " \
         "16 int32 values" "  wgt            sram " "256 KiB, 2048-bit ports" "  total "; do
  contains "$work/out" "$t" "area's text"
done
expect 0 "area of server-wide" "$tessel" area "$hw/server-wide.yaml"
contains "$work/out" "  gbuf           shared " "a shared level's logic"
contains "$work/out" "3 engines, 4 + 2 + 4 lanes" "server-wide's DMA lanes (256 B/cycle over 64-byte words; 8 over 4-byte micro-ops)"

# JSON: by hand, the weight buffer of vta-default (256 KiB, 2048-bit
# ports): its bits at 0.346 um2 x 2, and 4 um2 per bit of a read and a write
# port; every component the sum of its terms; the parts add up to the totals
expect 0 "area --json" "$tessel" area "$hw/vta-default.yaml" --json
cp "$work/out" "$work/vta.json"
check "area --json: components are their terms, the sums add up, the weight SRAM by hand" "$work/vta.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "area" and d["hw"] == "vta-default", d
k = {n: c["value"] for n, c in d["coefficients"].items()}
near = lambda a, b: abs(a - b) <= 1e-5 * max(abs(a), abs(b), 1)  # printed to 6 digits
wgt = next(c for c in d["components"] if c["name"] == "wgt")
assert abs(wgt["um2"] - (256 * 1024 * 8 * 0.346 * 2 + 2 * 2048 * 4.0)) <= 0.05, wgt
logic = sram = 0
for c in d["components"]:
    v = sum(k[n] * q for n, q in c["terms"].items())
    if c["part"] == "sram":
        assert c["cells"] is None and abs(c["um2"] - v) <= 0.05, c
        sram += v
    else:
        assert abs(c["cells"] - v) <= 0.5 and abs(c["um2"] - v * k["cell_um2"]) <= 0.05, c
        logic += v
    assert c["yosys_cells"] is None
assert abs(d["logic_cells"] - logic) <= 0.5, (d["logic_cells"], logic)
assert near(d["sram_mm2"], sram / 1e6) and near(d["total_mm2"], d["logic_mm2"] + d["sram_mm2"]), d
assert d["yosys"] is None
PY
# doubling the output buffer adds its bits at the SRAM coefficient, nothing
# else (the input buffer's would widen the micro-ops past their 32 bits: a
# description no command takes)
sed '/name: out$/,/capacity/s/capacity: 32 KiB/capacity: 64 KiB/' "$hw/vta-default.yaml" >"$work/big.yaml"
expect 0 "area of a larger output buffer" "$tessel" area "$work/big.yaml" --json
check "twice the output buffer: its 262144 more bits at 0.692 um2" "$work/vta.json" "$work/out" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
inp = [next(c["um2"] for c in d["components"] if c["name"] == "out") for d in (a, b)]
assert abs(inp[1] - inp[0] - 32 * 1024 * 8 * 0.346 * 2) <= 0.1, inp
assert abs((b["total_mm2"] - a["total_mm2"]) * 1e6 - (inp[1] - inp[0])) <= 20, (a["total_mm2"], b["total_mm2"])  # 6 digits
assert a["logic_cells"] == b["logic_cells"]
PY

# types the calibration did not measure are marked (fp16 accumulation, which
# the RTL does not have: --yosys refuses it)
sed 's/dtype: fp32/dtype: fp16/g; s/capacity: 64 KiB/capacity: 32 KiB/' "$hw/mma-fp16.yaml" >"$work/fp16acc.yaml"
expect 0 "area of fp16 accumulation" "$tessel" area "$work/fp16acc.yaml"
contains "$work/out" "64 MACs, fp16 x fp16 -> fp16 (extrapolated)" "extrapolated MACs marked"

# --yosys, with a stand-in for scripts/area.sh that prints a stored report
mkdir -p "$work/tree/scripts"
cat >"$work/tree/scripts/area.sh" <<EOF
#!/bin/sh
# the arguments: the description, then this tessel
[ -r "\$1" ] && [ -x "\$2" ] || exit 3
cat "$src/rtl/area/vta-default.txt"
EOF
chmod +x "$work/tree/scripts/area.sh"
TESSEL_SOURCE_DIR=$work/tree; export TESSEL_SOURCE_DIR
expect 0 "area --yosys (the default)" "$tessel" area --yosys
gemm=$(sed -n 's/^  tsl_gemm[^:]*: 1 x \([0-9]*\) cells.*/\1/p' "$src/rtl/area/vta-default.txt")
contains "$work/out" "yosys    error" "--yosys adds the measured column"
grep -q "^  gemm  *mac  *[0-9]*  *$gemm " "$work/out" && pass=$((pass + 1)) ||
  { fail=$((fail + 1)); echo "FAIL: --yosys: gemm's measured cells are not the report's tsl_gemm ($gemm)"; sed 's/^/  | /' "$work/out"; }
expect 0 "area --yosys --json" "$tessel" area "$hw/vta-default.yaml" --yosys --json
check "--yosys --json: the units add up to the design's logic cells" "$work/out" "$src/rtl/area/vta-default.txt" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
cells = int(re.search(r"Number of cells:\s+(\d+)", text)[1]) - int(re.search(r"\$mem_v2\s+(\d+)", text)[1])
assert d["yosys"]["cells"] == cells, (d["yosys"], cells)
assert sum(c["yosys_cells"] for c in d["components"] if c["part"] != "sram") == cells
assert all(c["yosys_cells"] is None for c in d["components"] if c["part"] == "sram")
PY
expect 1 "area --yosys of a description the RTL does not implement" "$tessel" area "$work/fp16acc.yaml" --yosys
contains "$work/err" "does not implement 'mma-fp16' (fp16 accumulation" "the reason given"
printf '#!/bin/sh\necho "yosys failed" >&2\nexit 1\n' >"$work/tree/scripts/area.sh"
expect 1 "area --yosys when the synthesis fails" "$tessel" area --yosys
contains "$work/err" "area.sh failed (exit 1)" "the failure reported"
printf '#!/bin/sh\necho "not a report"\n' >"$work/tree/scripts/area.sh"
expect 1 "area --yosys with a report it cannot read" "$tessel" area --yosys
contains "$work/err" "not a report of scripts/area.sh" "the unreadable report named"
TESSEL_SOURCE_DIR=$work/none
expect 1 "area --yosys without the source tree" "$tessel" area --yosys
contains "$work/err" "set TESSEL_SOURCE_DIR" "where to find it said"
unset TESSEL_SOURCE_DIR

echo "area: $pass passed, $fail failed"
[ "$fail" = 0 ]
