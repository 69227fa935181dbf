#!/bin/sh
# json_test.sh TESSEL SRCDIR WORKDIR: every command's --json output is valid
# under docs/tessel.schema.json, checked by the real validator (Debian's
# python3-jsonschema); and the schema refuses documents that break it (a
# device that is not one, an op named by "op", a host op without its why).
tessel=$1; src=$2; work=$3
schema=$src/docs/tessel.schema.json
wl=$src/examples/workloads; hw=$src/examples/hw
rm -rf "$work"; mkdir -p "$work"
pass=0; fail=0

if ! python3 -c 'import jsonschema' 2>/dev/null; then
  echo "FAIL: python3 cannot import jsonschema (Debian: python3-jsonschema; scripts/setup.sh installs it)"
  exit 1
fi

valid() { # valid FILE DESCRIPTION
  if python3 -m jsonschema -i "$1" "$schema" 2>"$work/why"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $2: not valid under the schema"; sed 's/^/  | /' "$work/why" | cut -c1-400 | tail -n 5; fi
}
invalid() { # invalid FILE DESCRIPTION
  if python3 -m jsonschema -i "$1" "$schema" 2>/dev/null; then
    fail=$((fail + 1)); echo "FAIL: $2: the schema accepts it"; else pass=$((pass + 1)); fi
}
run() { # run NAME STATUS TESSEL-ARGS...: the command's --json into NAME.json
  name=$1; want=$2; shift 2
  "$tessel" "$@" --json >"$work/$name.json" 2>"$work/$name.err"; got=$?
  if [ "$got" != "$want" ]; then
    fail=$((fail + 1)); echo "FAIL: tessel $*: exit $got, expected $want"; sed 's/^/  | /' "$work/$name.err"; return; fi
  valid "$work/$name.json" "tessel $*"
}

# the schema itself is a valid draft 2020-12 schema
if python3 -c 'import json, sys, jsonschema; jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1])))' "$schema"
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: docs/tessel.schema.json is not a valid schema"; fi

"$tessel" asm "$src/examples/asm/vta-gemm.s" -o "$work/a.tsp" >/dev/null
"$tessel" compile "$wl/fp16.yaml" --hw "$hw/mma-fp16.yaml" -o "$work/rb.tsp" >/dev/null
run run 0 run "$work/a.tsp"
run run-steps 0 run "$work/rb.tsp"
run run-stopped 1 run "$work/a.tsp" --max-cycles 100
run compile-gathers 0 compile "$wl/fp16.yaml" --hw "$hw/mma-fp16.yaml" -o "$work/rb2.tsp"
run compile-pool 0 compile "$wl/pooling.yaml" -o "$work/pool.tsp"
run compile-dw 0 compile "$wl/mobilenet-dw.yaml" -o "$work/dw.tsp"
run match 0 match "$wl/mobilenet-dw.yaml"
run match-pool 0 match "$wl/pooling.yaml"
# an immediate of 7 bits cannot write int8's least value over the padding: no direct form
sed 's/imm_bits: 16/imm_bits: 7/; s/^name: vector-mac/name: vector-mac-imm7/' "$hw/vector-mac.yaml" > "$work/imm7.yaml"
run match-pool-host 0 match "$wl/pooling.yaml" --hw "$work/imm7.yaml"
run exec 0 exec "$wl/pooling.yaml"
run exec-verify 0 exec "$wl/fp16.yaml" --hw "$hw/mma-fp16.yaml" --verify
run exec-stopped 1 exec "$wl/gemm.yaml" --max-cycles 1000
run tune 0 tune "$wl/pooling.yaml" --budget 2 --db "$work/tune.db"
run tune-again 0 tune "$wl/pooling.yaml" --budget 2 --db "$work/tune.db"
run host 0 host "$wl/gemm.yaml"
cat >"$work/sweep.yaml" <<YAML
name: json
hardware: $hw/vta-default.yaml
workloads: [$wl/pooling.yaml]
axes:
  - path: memory.dram.bandwidth
    values: [4, 8]
  - path: memory.scratchpads.inp.capacity
    values: [32 KiB, 100 B]
YAML
run sweep 0 sweep "$work/sweep.yaml" --out "$work/sweep-results" --db "$work/sweep.db"
run onnx-test 0 onnx-test /usr/include/onnx/backend/test/data/node/test_conv_with_strides_padding
run area 0 area
run area-shared 0 area "$hw/server-wide.yaml"
# --yosys with a stand-in for scripts/area.sh printing a stored report (the
# synthesis itself takes minutes)
mkdir -p "$work/tree/scripts"
printf '#!/bin/sh\ncat "%s/rtl/area/mma-fp16.txt"\n' "$src" >"$work/tree/scripts/area.sh"
chmod +x "$work/tree/scripts/area.sh"
TESSEL_SOURCE_DIR=$work/tree; export TESSEL_SOURCE_DIR
run area-yosys 0 area "$hw/mma-fp16.yaml" --yosys
unset TESSEL_SOURCE_DIR

# the documents say what the schema promises
cat >"$work/promises.py" <<'PY'
import json, sys
w = sys.argv[1]
def load(n): return json.load(open(f"{w}/{n}.json"))
c = load("compile-pool")
kinds = {o["plan"] for o in c["ops"]}
assert {"host", "alu max pool", "gemm"} <= kinds, kinds
for o in c["ops"]:
    assert (o["why"] is not None) == (o["placement"] == "host"), o
g = next(o for o in c["ops"] if o["plan"] == "gemm")
assert isinstance(g["mapping_fields"]["bm"], int) and isinstance(g["mapping_fields"]["direct"], bool), g
e = load("exec")
assert {o["device"] for o in e["ops"]} == {"sim", "host"}, e
assert all(set(o) == set(e["ops"][0]) for o in e["ops"]), "exec ops with different keys"
assert load("exec-stopped")["ops"][-1]["stopped"] == "max-cycles"
assert load("run-stopped")["stopped"] == "max-cycles"
for n in ("run", "compile-pool", "match", "exec", "tune", "host"):
    d = load(n)
    assert d["schema"] == 1 and d["command"] == n.split("-")[0], (n, d["command"])
for n, direct in (("match-pool", True), ("match-pool-host", False)):
    for o in load(n)["ops"]: # a max pool: its direct form, or why the host packs its windows; neither for others
        if o["alu"]:
            assert (o["alu_direct"] is not None) == direct and (o["alu_host_packs"] is None) == direct, (n, o)
        else:
            assert o["alu_direct"] is None and o["alu_host_packs"] is None, (n, o)
o = load("onnx-test")
assert o["command"] == "onnx-test" and o["failed"] == 0 and o["nodes"][0]["op_type"] == "Conv", o
for n in ("area", "area-shared", "area-yosys"):
    a = load(n)
    assert a["command"] == "area" and a["schema"] == 1, a
    parts = {c["part"] for c in a["components"]}
    assert {"mac", "alu", "dma", "queues", "control", "sram"} <= parts and ("shared" in parts) == (n == "area-shared"), parts
    assert abs(sum(c["um2"] for c in a["components"]) / 1e6 - a["total_mm2"]) < 1e-4, n
    assert (a["yosys"] is None) == (n != "area-yosys"), n
assert load("area-yosys")["yosys"]["seconds"] > 0
PY
if python3 "$work/promises.py" "$work"; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: the documents do not say what the schema promises"; fi

# documents that break the schema are refused: the test can fail
sed 's/"device":"sim"/"device":"accelerator"/' "$work/run.json" >"$work/bad-device.json"
invalid "$work/bad-device.json" "run with device 'accelerator'"
sed 's/"device":"sim"/"device":"accelerator"/' "$work/exec.json" >"$work/bad-exec-device.json"
invalid "$work/bad-exec-device.json" "exec ops with device 'accelerator'"
sed 's/"schema":1,//' "$work/run.json" >"$work/bad-no-schema.json"
invalid "$work/bad-no-schema.json" "a document without its schema version"
sed 's/{"name":/{"op":/g' "$work/match.json" >"$work/bad-op.json"
invalid "$work/bad-op.json" "match ops named by \"op\""
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
next(o for o in d["ops"] if o["placement"] == "host")["why"] = None
json.dump(d, open(sys.argv[2], "w"))' "$work/compile-pool.json" "$work/bad-why.json"
invalid "$work/bad-why.json" "a host op without its why"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
next(o for o in d["ops"] if o["plan"] == "gemm")["mapping_fields"]["bm"] = "4"
json.dump(d, open(sys.argv[2], "w"))' "$work/compile-pool.json" "$work/bad-bm.json"
invalid "$work/bad-bm.json" "a tile factor as text"
sed 's/"part":"alu"/"part":"gpu"/' "$work/area.json" >"$work/bad-area-part.json"
invalid "$work/bad-area-part.json" "an area component of an unknown part"
sed 's/"cells":null,/"cells":12,/' "$work/area.json" >"$work/bad-area-sram.json"
invalid "$work/bad-area-sram.json" "an SRAM component with logic cells"

echo "json: $pass passed, $fail failed"
[ "$fail" = 0 ]
