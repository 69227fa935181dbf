#!/bin/sh
# trace_test.sh TESSEL SRCDIR WORKDIR: --trace writes one valid trace-event
# document (python3 -m json.tool) whose metadata names the process and the
# time unit and whose instruction spans carry their assembly text; for a
# program of several runs one timeline; for `exec` the op of each span.
tessel=$1; src=$2; work=$3
wl=$src/examples/workloads; hw=$src/examples/hw
rm -rf "$work"; mkdir -p "$work"
pass=0; fail=0

check() { # check DESCRIPTION TRACE PYTHON-ASSERTIONS (t: the document, spans: its X events)
  what=$1; trace=$2; code=$3
  if ! python3 -m json.tool "$trace" >/dev/null 2>"$work/why"; then
    fail=$((fail + 1)); echo "FAIL: $what: $trace is not valid JSON"; sed 's/^/  | /' "$work/why"; return; fi
  if python3 -c "
import json, sys
t = json.load(open(sys.argv[1]))
spans = [e for e in t['traceEvents'] if e['ph'] == 'X']
insns = [e for e in spans if e['name'] != 'fetch']
$code" "$trace" 2>"$work/why"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $what"; sed 's/^/  | /' "$work/why" | tail -n 3; fi
}

"$tessel" asm "$src/examples/asm/vta-gemm.s" -o "$work/a.tsp" >/dev/null
"$tessel" run "$work/a.tsp" --trace "$work/a.json" >/dev/null
check "run --trace: metadata" "$work/a.json" "
meta = [e for e in t['traceEvents'] if e['ph'] == 'M']
assert {'name': 'tessel sim: vta-default'} in [e['args'] for e in meta if e['name'] == 'process_name'], meta
assert {e['args']['name'] for e in meta if e['name'] == 'thread_name'} == {'fetch', 'load', 'compute', 'store'}, meta
assert t['otherData']['time_unit'] == 'cycle' and t['otherData']['clock_mhz'] > 0, t['otherData']"
check "run --trace: every instruction's text" "$work/a.json" "
assert insns and all(e['args']['text'].split()[0] == e['name'] for e in insns), insns[:3]
gemm = [e for e in insns if e['name'] == 'gemm']
assert len(gemm) == 1 and 'uop_end=' in gemm[0]['args']['text'], gemm
assert any(e['args'].get('segment') for e in insns if e['name'] in ('load', 'store')), 'no load or store names its segment'
fin = [e for e in insns if e['name'] == 'finish']
assert len(fin) == 1 and fin[0]['ts'] + fin[0]['dur'] == 159, 'the run finishes at cycle 159'"

# several runs (a compiled chain with gathers): one document, one timeline
"$tessel" compile "$wl/fp16.yaml" --hw "$hw/mma-fp16.yaml" -o "$work/rb.tsp" >/dev/null
"$tessel" run "$work/rb.tsp" --json --trace "$work/rb.json" >"$work/rb-run.json"
check "run --trace of a program of several runs" "$work/rb.json" "
cycles = json.load(open(sys.argv[1].replace('rb.json', 'rb-run.json')))['cycles']
fin = [e for e in insns if e['name'] == 'finish']
assert len(fin) == 3 and max(e['ts'] + e['dur'] for e in fin) == cycles, 'one timeline over the three runs'
ids = sorted(e['args']['instruction'] for e in insns)
assert ids == list(range(len(ids))), 'each instruction of the program once, by its index'"

# exec knows each instruction's op
"$tessel" exec "$wl/resblock.yaml" --trace "$work/ex.json" >/dev/null
check "exec --trace names the ops" "$work/ex.json" "
ops = {e['args'].get('op') for e in insns if e['name'] != 'finish'}
assert ops == {'conv1', 'conv2', 'conv3', 'conv4', 'conv5'}, ops"

echo "trace: $pass passed, $fail failed"
[ "$fail" = 0 ]
