#!/bin/sh
# cli_test.sh TESSEL SRCDIR WORKDIR: the command's contract — exit statuses
# (0 success, 1 bad input, 2 bad usage), --help everywhere, file round trips,
# refusing programs for other hardware, and docs generated from the table
# being current.
tessel=$1; src=$2; work=$3
rm -rf "$work"; mkdir -p "$work"

. "$(dirname "$0")/checks.sh"

expect 2 "no command" "$tessel"
expect 2 "unknown command" "$tessel" frobnicate
contains "$work/err" "unknown command 'frobnicate'" "unknown command named"
expect 0 "top-level help" "$tessel" --help
for c in check isa asm disasm run randprog ir host match compile exec tune cosim; do
  expect 0 "$c --help" "$tessel" "$c" --help
  contains "$work/out" "usage: tessel $c" "$c --help prints usage"
  expect 2 "$c with an unknown option" "$tessel" "$c" --bogus
done
expect 2 "check with two files" "$tessel" check a.yaml b.yaml
expect 1 "check a missing file" "$tessel" check "$work/none.yaml"
contains "$work/err" "none.yaml: error: cannot open" "missing file named"
expect 0 "check the built-in default" "$tessel" check
contains "$work/out" "vta-default" "default is vta-default"
contains "$work/out" "peak 256 MACs/cycle" "vta-default peak is 1x16x16"
expect 2 "asm without -o" "$tessel" asm "$src/examples/asm/vta-gemm.s"
expect 2 "asm -o without a value" "$tessel" asm "$src/examples/asm/vta-gemm.s" -o
expect 2 "isa with a bad format" "$tessel" isa --format pdf
expect 1 "asm a missing file" "$tessel" asm "$work/none.s" -o "$work/x.tsp"
expect 2 "-o with an empty name" "$tessel" asm "$src/examples/asm/vta-gemm.s" -o ""
contains "$work/err" "option '-o' needs a value, got an empty string" "the empty -o named"
expect 2 "an empty file argument" "$tessel" run ""
contains "$work/err" "argument 1 is an empty string; expected a file name" "the empty argument named"

# asm -> tsp -> disasm -> asm -> tsp gives the same bytes and the same text.
expect 0 "asm the example" "$tessel" asm "$src/examples/asm/vta-gemm.s" -o "$work/a.tsp"
expect 0 "disasm it" "$tessel" disasm "$work/a.tsp" -o "$work/a.s"
expect 0 "asm the listing" "$tessel" asm "$work/a.s" -o "$work/b.tsp"
expect 0 "disasm again" "$tessel" disasm "$work/b.tsp" -o "$work/b.s"
if cmp -s "$work/a.tsp" "$work/b.tsp" && cmp -s "$work/a.s" "$work/b.s"; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: asm/disasm round trip differs"; fi
# run: the bytes read that are the program's own, as its listing counts them
# (128-bit instructions, 32-bit micro-ops loaded by `load buf=uop`)
expect 0 "run the example, --json" "$tessel" run "$work/a.tsp" --json
if python3 - "$work/out" "$work/a.s" <<'PY'
import json, re, sys
run = json.load(open(sys.argv[1]))
insns = [l for l in open(sys.argv[2]) if re.match(r"^[a-z]+ ", l) and not l.startswith(".")]
uops = sum(int(re.search(r"ysize=(\d+)", l)[1]) * int(re.search(r"xsize=(\d+)", l)[1])
           for l in insns if l.startswith("load buf=uop"))
want = 16 * len(insns) + 4 * uops
assert run["dram"]["program_read_bytes"] == want, (run["dram"], want)
assert want < run["dram"]["read_bytes"]
PY
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: run's program_read_bytes is not the listing's instructions and micro-ops"; fi
expect 0 "disasm with the matching --hw" "$tessel" disasm "$work/a.tsp" --hw "$src/examples/hw/vta-default.yaml"
expect 1 "disasm with other hardware" "$tessel" disasm "$work/a.tsp" --hw "$src/examples/hw/edge-tiny.yaml"
contains "$work/err" "program was built for hardware 'vta-default'" "other hardware named"
expect 1 "asm for hardware without a gemm intrinsic" \
  "$tessel" asm "$src/examples/asm/vta-gemm.s" --hw "$src/examples/hw/dot-i8.yaml" -o "$work/c.tsp"
contains "$work/err" "vta-gemm.s:22:1: error: unknown instruction 'gemm'; this hardware has: sync, load, store, alu, finish, dot" "asm error names file, line, column"

# tessel run: text, JSON, trace, and the ways a run is refused.
expect 0 "run the example" "$tessel" run "$work/a.tsp"
contains "$work/out" "cycles        159" "run prints the cycle count"
contains "$work/out" "MACs          256" "run prints the MACs"
expect 0 "run --json" "$tessel" run "$work/a.tsp" --json --trace "$work/trace.json"
contains "$work/out" '"cycles":159,' "json has the cycle count"
contains "$work/out" '"gemm":1}' "json counts gemm instructions"
contains "$work/out" '"utilization":0.006289,' "json has the utilization (256 / (159 x 256))"
contains "$work/out" '{"schema":1,"command":"run",' "json starts with its schema version and command"
contains "$work/trace.json" '"traceEvents":[' "trace is a trace-event file"
contains "$work/trace.json" '{"name":"gemm","cat":"compute","ph":"X"' "trace has a compute span"
expect 2 "run on an unknown device" "$tessel" run "$work/a.tsp" --device fpga
expect 1 "run with other hardware" "$tessel" run "$work/a.tsp" --hw "$src/examples/hw/edge-tiny.yaml"
printf 'gemm uop_end=1 iter_out=1 iter_in=1 pop_prev\nfinish\n' >"$work/dead.s"
expect 0 "asm a deadlocking program" "$tessel" asm "$work/dead.s" -o "$work/dead.tsp"
expect 1 "run a deadlocking program" "$tessel" run "$work/dead.tsp"
contains "$work/err" "dead.tsp: error: deadlock at cycle 38; compute waits at instruction 0 (gemm)" "deadlock named"

# tessel randprog: usage errors, determinism, and a program that runs.
expect 2 "randprog without --seed" "$tessel" randprog -o "$work/r.tsp"
expect 2 "randprog with a bad seed" "$tessel" randprog --seed x1 -o "$work/r.tsp"
expect 2 "randprog without -o" "$tessel" randprog --seed 1
expect 2 "randprog with 0 iterations" "$tessel" randprog --seed 1 --iterations 0 -o "$work/r.tsp"
expect 0 "randprog to .tsp" "$tessel" randprog --seed 7 -o "$work/r1.tsp"
expect 0 "randprog again" "$tessel" randprog --seed 7 -o "$work/r2.tsp"
if cmp -s "$work/r1.tsp" "$work/r2.tsp"; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: the same seed gave different programs"; fi
expect 0 "randprog to .s" "$tessel" randprog --seed 7 --hw "$src/examples/hw/dot-i8.yaml" -o "$work/r.s"
contains "$work/r.s" "; random program, seed 7" "assembly output"
contains "$work/r.s" "dot uop_begin=" "uses the hardware's intrinsic"
expect 0 "run a random program" "$tessel" run "$work/r1.tsp"

# tessel host: a workload on the host JIT; deterministic checksums.
expect 0 "host gemm" "$tessel" host "$src/examples/workloads/gemm.yaml" --json
cp "$work/out" "$work/host1.json"
contains "$work/host1.json" '"device":"host","ops":[{"name":"square","kind":"matmul","device":"host","macs":16777216,' "host json lists the ops"
expect 0 "host gemm again" "$tessel" host "$src/examples/workloads/gemm.yaml" --json
sed 's/"[a-z]*_seconds":[0-9.]*,//g' "$work/host1.json" >"$work/h1"; sed 's/"[a-z]*_seconds":[0-9.]*,//g' "$work/out" >"$work/h2"
if cmp -s "$work/h1" "$work/h2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: host checksums differ between runs"; fi
# the einsum of the same product gives the same bytes as the matmul
odd=$(sed -n 's/.*"output":"odd","checksum":"\([0-9a-f]*\)".*/\1/p' "$work/host1.json")
odd_t=$(sed -n 's/.*"output":"odd_t","checksum":"\([0-9a-f]*\)".*/\1/p' "$work/host1.json")
if [ -n "$odd" ] && [ "$odd" = "$odd_t" ]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: einsum and matmul of the same product differ ('$odd' vs '$odd_t')"; fi
expect 0 "host --dump-ir" "$tessel" host "$src/examples/workloads/bert-ffn.yaml" --dump-ir
contains "$work/out" "op " "dump-ir prints the ops"
expect 1 "host a broken workload" "$tessel" host "$src/tests/corpus/workload/unknown-op-kind.yaml"
expect 2 "host without a workload" "$tessel" host

# Tensorization: match, compile, exec.
wl=$src/examples/workloads
expect 0 "match" "$tessel" match "$wl/gemm.yaml"
contains "$work/out" "square (matmul):" "match lists the ops"
contains "$work/out" "gemm: i<-i j<-j k<-k | inp=a256 wgt=b256" "match lists a binding"
expect 0 "match with rejections" "$tessel" match "$wl/gemm.yaml" --hw "$src/examples/hw/mma-fp16.yaml"
contains "$work/out" "rejected mma: with a=a256, b=b256: the op accumulates in int32" "match says why"
expect 0 "match --json" "$tessel" match "$wl/mobilenet-dw.yaml" --json
contains "$work/out" '"bindings":[{"binding":' "match json lists bindings"
contains "$work/out" '"direct":true' "match json marks the bindings in the direct form"
contains "$work/out" '"direct":true,"diagonal_loads":true,"weight_values":null,"host_packs":null' "match json marks the diagonal binding's diagonal loads"
contains "$work/out" '"direct":false,"diagonal_loads":false,"weight_values":null,"host_packs":"' "match json says why the host packs the others"
# stem.yaml's conv1 (7x7/2 over 3 channels) in its 2x2 stride phases: 12
# channels, of vector-mac's 32-value weight elements along K
expect 0 "match narrow weight elements" "$tessel" match "$wl/stem.yaml" --hw "$src/examples/hw/vector-mac.yaml"
contains "$work/out" "'conv1.weights' lies in DRAM as its tiles' elements' first 12 values, moved by narrow loads" "match says the weight elements lie narrow"
expect 0 "match narrow weight elements --json" "$tessel" match "$wl/stem.yaml" --hw "$src/examples/hw/vector-mac.yaml" --json
contains "$work/out" '"direct":true,"diagonal_loads":false,"weight_values":12,"host_packs":null' "match json gives the values each weight element holds"
# pooling.yaml's input of 40 channels and conv's output of 24, in vector-mac's 32-value elements
expect 0 "match packed layouts" "$tessel" match "$wl/pooling.yaml" --hw "$src/examples/hw/vector-mac.yaml"
contains "$work/out" "'x' and 'conv' move by DMA in their layouts; 'x' lies packed in its last block, 8 values an element; 'conv' lies packed, 24 values an element" "match says which tensors lie packed"
expect 0 "match the direct form" "$tessel" match "$wl/mobilenet-dw.yaml"
contains "$work/out" "direct:   6.2%  gemm: i<-1 j<-g k<-g (diagonal) outside: n oh ow kh kw | inp=image wgt=dw1_w: 'image' and 'dw1' move by DMA in their layouts; 'dw1_w' lies in DRAM as its tiles' diagonals, put in place by diagonal loads" "match names the depthwise layer's diagonal binding and its diagonal loads"
expect 0 "match without a direct form" "$tessel" match "$wl/gemm.yaml"
contains "$work/out" "direct: none; the host packs the operands (the best binding: 'b256' in 'wgt' is not a weight, packed once)" "match says why there is no direct form"
expect 0 "match on elements of four rows" "$tessel" match "$wl/resblock.yaml" --hw "$src/examples/hw/server-wide.yaml"
contains "$work/out" "direct: 100.0%  gemm: i<-r j<-o k<-i outside: n oh ow kh kw | inp=conv1.bands wgt=w1: 'conv1.bands' and 'conv1.banded' move by DMA in their layouts" "match names a banded convolution's direct form"
contains "$work/out" "on the host: a layout change: 'x' in bands, one per row of the elements, each with its windows' halo, for the next op" "match names the layout op of a band split"
contains "$work/out" "elements of 4 rows: no iterator runs alone along 4 rows of 'conv2' and of the output (the DMA moves whole elements, so a window sliding by one point needs a band split)" "match says why elements of several rows have no direct form unsplit"
# a chain compiled whole: nothing on the host, tensors in DRAM; with layout changes, gathers between runs
expect 0 "compile a chain" "$tessel" compile "$wl/mobilenet-dw.yaml" -o "$work/mb.tsp"
contains "$work/out" "nothing ran on the host at compile time" "compile of a chain runs nothing on the host"
contains "$work/out" "every intermediate tensor stays in DRAM in the layout its next op reads" "compile keeps the chain in DRAM"
# dot-i8's inputs are elements of 4 values, its outputs of 16: a direct
# consumer reads its producer's 16-value elements as groups of four, in one run
expect 0 "compile a chain whose elements narrow" "$tessel" compile "$wl/resblock.yaml" --hw "$src/examples/hw/dot-i8.yaml" -o "$work/rb.tsp"
contains "$work/out" "every intermediate tensor stays in DRAM in the layout its next op reads" "compile keeps a chain of narrower input elements in DRAM"
# a chain of direct producers: a consumer takes the direct form where the GEMM form's gather costs more
# (edge-tiny's pointwise layers take the fastest direct mapping that reads no more than their GEMM form)
expect 0 "compile resblock on vta-default" "$tessel" compile "$wl/resblock.yaml" -o "$work/chain.tsp"
contains "$work/out" "every intermediate tensor stays in DRAM in the layout its next op reads" "resblock on vta-default stays on the device"
expect 0 "compile mobilenet-dw on edge-tiny" "$tessel" compile "$wl/mobilenet-dw.yaml" --hw "$src/examples/hw/edge-tiny.yaml" -o "$work/chain.tsp"
contains "$work/out" "every intermediate tensor stays in DRAM in the layout its next op reads" "mobilenet-dw on edge-tiny stays on the device"
# a max pool the ALU cannot run (its window fits the accumulator twice in neither form) goes to the host
expect 0 "a pool too large for the ALU" "$tessel" exec "$src/tests/regress/pool-window-too-large.yaml" --hw "$src/examples/hw/edge-tiny.yaml" --verify
contains "$work/out" "the vector ALU cannot run it" "the pool too large for the ALU runs on the host, saying why"
# nor one whose loop over a window's positions is longer than the ISA's loops run (the pool once lowered into an illegal instruction)
sed 's/max_loop_extent: .*/max_loop_extent: 1/' "$src/examples/hw/vta-default.yaml" > "$work/loop1.yaml"
expect 0 "a pool whose window loop is too long" "$tessel" exec "$src/tests/regress/pool-window-too-large.yaml" --hw "$work/loop1.yaml" --verify
contains "$work/out" "longer than the ISA's loops run" "the pool whose window loop is too long runs on the host, saying why"
# server-wide's dense layers in the GEMM form: the second packs its input as the first stored it, no gather
expect 0 "compile a GEMM-form chain" "$tessel" compile "$wl/bert-ffn.yaml" --hw "$src/examples/hw/server-wide.yaml" -o "$work/bert.tsp"
contains "$work/out" "every intermediate tensor stays in DRAM in the layout its next op reads" "a consumer reads packed tiles where its producer stored them"
# the convolution on elements of four rows is cut into bands: gathers before and after it
expect 0 "compile a chain with layout changes" "$tessel" compile "$wl/fp16.yaml" --hw "$src/examples/hw/mma-fp16.yaml" -o "$work/mbd.tsp"
contains "$work/out" "3 runs; between them 5 gathers rearrange tensors" "compile cuts the program where layouts change"
expect 0 "compile a chain with layout changes, --json" "$tessel" compile "$wl/fp16.yaml" --hw "$src/examples/hw/mma-fp16.yaml" -o "$work/mbd.tsp" --json
contains "$work/out" '"host_steps":[],"gathers":[{"from":"x.host","to":"conv.bands.host","bytes":' "compile json lists the gathers"
contains "$work/out" '],"runs":3,' "compile json counts the runs"
expect 0 "run a program of several runs" "$tessel" run "$work/mbd.tsp"
expect 0 "disassemble a program of several runs" "$tessel" disasm "$work/mbd.tsp"
contains "$work/out" "; step 1: gather" "disasm lists the steps"
expect 0 "compile with a host op between accelerator ops" "$tessel" compile "$wl/pooling.yaml" -o "$work/pool.tsp"
contains "$work/out" "nothing ran on the host at compile time" "compile of a graph with host ops runs nothing on the host"
contains "$work/out" "1 host steps compute on the host between runs" "compile counts the host steps (avg; the max pools read their input in its layout)"
contains "$work/out" "stem_pool        alu: max pooling, direct" "compile names a max pool's direct form"
expect 0 "match a max pool on a vector MAC" "$tessel" match "$wl/pooling.yaml" --hw "$src/examples/hw/vector-mac.yaml"
contains "$work/out" "their boxes widened by 'vmac'" "match widens a max pool's boxes through the vector MAC's row of ones"
expect 0 "match a max pool" "$tessel" match "$wl/pooling.yaml"
contains "$work/out" "direct: the input moves by DMA in its layout, blocks of" "match names a max pool's direct form"
# an immediate of 7 bits cannot write int8's least value over the padding
sed 's/imm_bits: 16/imm_bits: 7/; s/^name: vector-mac/name: vector-mac-imm7/' "$src/examples/hw/vector-mac.yaml" > "$work/imm7.yaml"
expect 0 "match a max pool without a direct form" "$tessel" match "$wl/pooling.yaml" --hw "$work/imm7.yaml"
contains "$work/out" "no direct form: its windows are packed by the host: the ALU's immediate (7 bits) cannot hold a value below int8's" "match says why the host packs a max pool's windows"
expect 0 "compile max pools whose windows the host packs" "$tessel" compile "$wl/pooling.yaml" --hw "$work/imm7.yaml" -o "$work/poolvm.tsp"
contains "$work/out" "stem_pool.windows (conv.host -> stem_pool.windows), pool2.windows (x.host -> pool2.windows)" "compile lists the host steps of the max pools' windows"
expect 0 "compile max pools through a shared level" "$tessel" compile "$wl/pooling.yaml" --hw "$src/examples/hw/server-wide.yaml" -o "$work/poolsw.tsp"
contains "$work/out" "stem_pool.bands (conv.host -> stem_pool.bands.host)" "compile cuts a max pool into bands, its layout op a host step (the lowest value over the padding)"
contains "$work/out" "stem_pool        alu: max pooling, direct" "compile stages a max pool's boxes through the shared level"
expect 0 "exec --json" "$tessel" exec "$wl/resblock.yaml" --json
contains "$work/out" '"dram_read":' "exec json has the DRAM bytes read"
contains "$work/out" '"compulsory_read":' "exec json has the compulsory reads"
expect 1 "match a broken workload" "$tessel" match "$src/tests/corpus/workload/unknown-op-kind.yaml"
expect 2 "compile without -o" "$tessel" compile "$wl/gemm.yaml"
contains "$work/err" "missing -o OUT.tsp" "compile names the missing output"
expect 0 "compile" "$tessel" compile "$wl/bert-ffn.yaml" -o "$work/bert.tsp"
contains "$work/out" "2 of 2 ops on the accelerator" "compile reports the ops"
expect 0 "run the compiled program" "$tessel" run "$work/bert.tsp"
expect 0 "disassemble the compiled program" "$tessel" disasm "$work/bert.tsp" -o "$work/bert.s"
contains "$work/bert.s" ".segment ffn_out.out output" "the compiled program names its segments"
# --dump-after: after the last pass the dump is the finished program, so it
# must read exactly as the disassembler reads the .tsp the same run writes.
expect 0 "compile --dump-after ports" "$tessel" compile "$wl/bert-ffn.yaml" -o "$work/dumped.tsp" --dump-after ports
cp "$work/out" "$work/dumped.s"
expect 0 "disassemble the dumped program" "$tessel" disasm "$work/dumped.tsp" -o "$work/dumped-disasm.s"
if cmp -s "$work/dumped.s" "$work/dumped-disasm.s"; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: the dump after the last pass differs from tessel disasm of the program"; fi
contains "$work/dumped.s" "; input hidden int8 (128, 768) ab -> ffn_in.a" "the program lists its inputs"
expect 0 "compile --dump-after lower without -o" "$tessel" compile "$wl/bert-ffn.yaml" --dump-after lower
contains "$work/out" ".segment ffn_out.out output" "the dump after lower lists the segments"
expect 2 "compile --dump-after an unknown pass" "$tessel" compile "$wl/bert-ffn.yaml" -o "$work/x.tsp" --dump-after optimize
contains "$work/err" "unknown pass 'optimize'; the passes are: plan, lower, tokens, layout, verify" "unknown pass lists the passes"
expect 1 "compile with nothing for the accelerator" "$tessel" compile "$wl/gemm.yaml" --hw "$src/examples/hw/mma-fp16.yaml" -o "$work/none.tsp"
contains "$work/err" "no op of workload 'gemm' runs on 'mma-fp16'" "compile says nothing runs"
expect 0 "exec --verify" "$tessel" exec "$wl/gemm.yaml" --verify
contains "$work/out" "odd_einsum" "exec lists every op"
expect 0 "exec --json" "$tessel" exec "$wl/fp16.yaml" --hw "$src/examples/hw/mma-fp16.yaml" --verify --json
contains "$work/out" '"verified":true' "exec json says verified"
contains "$work/out" '"roofline_cycles":' "exec json has the roofline"
expect 2 "exec on an unknown device" "$tessel" exec "$wl/gemm.yaml" --device fpga
expect 1 "exec a missing workload" "$tessel" exec "$work/missing.yaml"

# Tuning: a second tune reuses the records; the tuned program runs.
expect 0 "tune" "$tessel" tune "$wl/bert-ffn.yaml" --budget 6 --db "$work/tune.db" -o "$work/tuned.tsp"
contains "$work/out" "ffn_in" "tune lists the ops"
if grep -q " records " "$work/out"; then fail=$((fail + 1)); echo "FAIL: a first tune claims records"; else pass=$((pass + 1)); fi
expect 0 "tune again" "$tessel" tune "$wl/bert-ffn.yaml" --budget 6 --db "$work/tune.db" --json
contains "$work/out" '"measurements":0,"from_records":true' "a second tune takes the records"
expect 0 "run the tuned program" "$tessel" run "$work/tuned.tsp"
expect 2 "tune with a bad budget" "$tessel" tune "$wl/gemm.yaml" --budget many
contains "$work/err" "--budget takes a number of measurements" "bad budget named"
expect 2 "tune with a bad seed" "$tessel" tune "$wl/gemm.yaml" --seed -3
expect 1 "tune with a database that cannot be opened" "$tessel" tune "$wl/gemm.yaml" --db "$work/no/such/dir/t.db"
contains "$work/err" "cannot open the tuning records" "bad database named"
# a database of a version this tessel does not know says so
cp "$work/tune.db" "$work/v7.db"
if sqlite3 "$work/v7.db" "PRAGMA user_version = 7"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: sqlite3 sets the version"; fi
expect 1 "tune with a database of a later version" "$tessel" tune "$wl/gemm.yaml" --db "$work/v7.db"
contains "$work/err" "v7.db: error: the tuning records are of version 7 (PRAGMA user_version); this tessel reads versions 0 to 6" "the version named"
# a --db path that SQLite would read as a URI is the file it names
(cd "$work" && "$tessel" tune "$wl/gemm.yaml" --budget 1 --db "file:uri.db" -o uri.tsp >/dev/null 2>&1)
if [ -s "$work/file:uri.db" ] && [ ! -e "$work/uri.db" ]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: --db file:uri.db is not the file named"; fi

# Damaged program files.
head -c 100 "$work/a.tsp" >"$work/cut.tsp"
expect 1 "truncated program" "$tessel" disasm "$work/cut.tsp"
contains "$work/err" "cut.tsp: error: truncated" "truncated named"
printf 'hello' >"$work/text.tsp"
expect 1 "not a program" "$tessel" disasm "$work/text.tsp"
contains "$work/err" "not a tessel program" "bad magic named"
cp "$work/a.tsp" "$work/flip.tsp"
printf '\377' | dd of="$work/flip.tsp" bs=1 seek=200 conv=notrunc 2>/dev/null
expect 1 "corrupt program" "$tessel" disasm "$work/flip.tsp"
contains "$work/err" "checksum mismatch" "corruption named"

# Generated descriptions: the Verilog header and docs/isa.md come from the table.
expect 0 "verilog header" "$tessel" isa --format verilog -o "$work/isa.vh"
contains "$work/isa.vh" '`define TSL_INSN_BITS 128' "verilog header has the width"
contains "$work/isa.vh" '`define TSL_OP_GEMM 5' "verilog header has the gemm opcode"
expect 0 "markdown" "$tessel" isa "$src/examples/hw/vta-default.yaml" --format markdown -o "$work/isa.md"
sed -n '/<!-- generated: tessel isa examples\/hw\/vta-default.yaml --format markdown -->/,/<!-- end generated -->/p' \
  "$src/docs/isa.md" | sed '1d;$d' >"$work/isa-doc.md"
if cmp -s "$work/isa.md" "$work/isa-doc.md"; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: docs/isa.md is out of date; regenerate with scripts/gen-docs.sh"
  diff "$work/isa-doc.md" "$work/isa.md" | head -20; fi

# Bounded inputs: every input file is size-checked before it is read, special
# files are refused without blocking, descriptions the simulator cannot hold
# are errors, and a workload's random data is not made when it loads.  With
# its memory limited a command must end with exit 1 and a message, never an
# abort.
# limited KB CMD...: CMD with at most KB kilobytes: of address space
# (ulimit -v), or, under AddressSanitizer, which reserves terabytes of address
# space for its shadow, of resident memory (ASan's hard_rss_limit_mb; ASan's
# own failures exit 99, which no expectation here accepts).
limited() {
  kb=$1; shift
  if [ -n "${TESSEL_SANITIZED:-}" ]; then
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=$((kb / 1024)):exitcode=99" "$@"
  else
    (ulimit -v "$kb" && exec "$@")
  fi
}
hwx="$src/examples/hw/vta-default.yaml"
for c in "check" "asm -o $work/z.tsp" "run" "exec" "ir"; do
  # shellcheck disable=SC2086
  expect 1 "$c /dev/zero" limited 2000000 timeout 10 "$tessel" $c /dev/zero
  contains "$work/err" "/dev/zero: error: the " "$c /dev/zero named"
  contains "$work/err" "is a character device; expected a regular file" "$c /dev/zero refused as a device"
done
mkfifo "$work/in.fifo"
expect 1 "check a FIFO" timeout 10 "$tessel" check "$work/in.fifo"
contains "$work/err" "in.fifo: error: the hardware description is a FIFO; expected a regular file" "FIFO refused"
expect 1 "asm a directory" timeout 10 "$tessel" asm "$work" -o "$work/z.tsp"
contains "$work/err" "error: the assembly source is a directory; expected a regular file" "directory refused"
truncate -s 3G "$work/huge.yaml"
expect 1 "check a 3 GiB file" limited 2000000 "$tessel" check "$work/huge.yaml"
contains "$work/err" "huge.yaml: error: the hardware description is 3221225472 bytes; at most 1048576 (set TESSEL_MAX_INPUT_BYTES to raise the limit)" "oversized description named"
truncate -s 5G "$work/huge.tsp"
expect 1 "run a 5 GiB program" limited 2000000 "$tessel" run "$work/huge.tsp"
contains "$work/err" "huge.tsp: error: the program is 5368709120 bytes; at most 4294967296" "oversized program named"
expect 1 "a limit from the environment" env TESSEL_MAX_INPUT_BYTES=100 "$tessel" check "$hwx"
contains "$work/err" "vta-default.yaml: error: the hardware description is" "environment limit applies"
contains "$work/err" "; at most 100 (set TESSEL_MAX_INPUT_BYTES" "environment limit named"
expect 0 "a raised limit" env TESSEL_MAX_INPUT_BYTES=10000000 "$tessel" check "$hwx"
# workload data files: a FIFO is refused at once, a device too
printf 'name: f\ntensors:\n  - {name: a, shape: [4], dtype: int8, data: {raw: in.fifo}}\nops:\n  - {name: y, op: copy, a: a}\n' \
  >"$work/fifo.yaml"
expect 1 "a FIFO as a data file" timeout 10 "$tessel" ir "$work/fifo.yaml"
contains "$work/err" "fifo.yaml:3:52: error: data file 'in.fifo' for tensor 'a' is a FIFO; expected a regular file" "data FIFO refused"
sed 's|in.fifo|/dev/zero|' "$work/fifo.yaml" >"$work/zero.yaml"
expect 1 "/dev/zero as a data file" limited 2000000 timeout 10 "$tessel" ir "$work/zero.yaml"
contains "$work/err" "data file '/dev/zero' for tensor 'a' is a character device" "data device refused"
# descriptions the simulator cannot hold: errors at the capacity, not an abort
for f in scratchpad-over-limit dram-over-limit dram-past-address-bits onchip-total-over-limit; do
  expect 1 "asm for $f" limited 2000000 "$tessel" asm "$src/examples/asm/vta-gemm.s" \
    --hw "$src/tests/corpus/hwdesc/$f.yaml" -o "$work/z.tsp"
  contains "$work/err" "$f.yaml:" "$f named"
done
contains "$work/err" "25:17: error: capacity of scratchpad 'wgt' (629145600 bytes)" "on-chip total at its line:col"
# random data is made where it is needed: 1 GiB declared, `ir` loads it in
# far less memory than the tensor; past 4 GiB in all, an error
printf 'name: big\ntensors:\n  - {name: x, shape: [1073741824], dtype: int8}\nops:\n  - {name: y, op: copy, a: x}\n' \
  >"$work/big.yaml"
expect 0 "ir of a 1 GiB random tensor in 400 MB" limited 400000 "$tessel" ir "$work/big.yaml"
{ printf 'name: many\ntensors:\n'
  for t in a b c d e f g h; do printf '  - {name: %s, shape: [1073741824], dtype: int8}\n' $t; done
  printf 'ops:\n  - {name: y, op: copy, a: a}\n'; } >"$work/many.yaml"
expect 1 "eight 1 GiB tensors" limited 2000000 "$tessel" ir "$work/many.yaml"
contains "$work/err" "many.yaml:7:5: error: tensor 'e' (1073741824 bytes) brings the workload's tensors to more than 4294967296 bytes (4 GiB)" "total named at the fifth tensor"
# a workload whose output alone fills DRAM: refused before anything is
# packed, naming the tensor
printf 'name: big\ntensors:\n  - {name: a, shape: [16384, 1], dtype: int8}\n  - {name: b, shape: [1, 16384], dtype: int8}\nops:\n  - {name: mm, op: matmul, a: a, b: b}\n' >"$work/big-out.yaml"
expect 1 "compile a workload past DRAM" limited 2000000 timeout 60 "$tessel" compile "$work/big-out.yaml" -o "$work/big.tsp"
contains "$work/err" "tensor 'mm' (1073741824 bytes) brings the workload's tensors past DRAM's 1073741824 bytes" "the tensor past DRAM named"
# a computed tensor of 2 GiB: past the 1 GiB a tensor holds, declared or computed
printf 'name: big2\ntensors:\n  - {name: a, shape: [32768, 1], dtype: int8}\n  - {name: b, shape: [1, 32768], dtype: int8}\nops:\n  - {name: mm, op: matmul, a: a, b: b, dtype: int16}\n' >"$work/big2.yaml"
expect 1 "a computed tensor of 2 GiB" limited 2000000 timeout 60 "$tessel" ir "$work/big2.yaml"
contains "$work/err" "big2.yaml:6:12: error: tensor 'mm' would hold 2147483648 bytes of data; at most 1073741824 (1 GiB)" "the op's tensor past 1 GiB located"
# an ONNX average pool whose window counts would be billions (a fuzzed end
# pad, in an attribute of no type): refused before the counts are worked
# out (pads are smaller than the kernel, so the counts stay small)
expect 1 "an average pool with a huge end pad" limited 400000 timeout 10 "$tessel" ir "$src/tests/corpus/fuzz/onnx/slow-avgpool-huge-end-pad.onnx"
contains "$work/err" "node 'avgpool' (AveragePool, opset 13): attribute 'pads' has no type (UNDEFINED)" "the pool refused first"
# an option is named as written, not by its value
expect 2 "check with an option of another command" "$tessel" check --output x.txt
contains "$work/err" "unknown option '--output'" "unknown option named, not its value"
expect 2 "an option twice" "$tessel" compile "$src/examples/workloads/gemm.yaml" -o a.tsp -o b.tsp
contains "$work/err" "option '-o' given twice" "repeated option named"
expect 2 "a long option without its value" "$tessel" run --seed
contains "$work/err" "option '--seed' needs a value" "valueless option named"
# an empty assembly source is no program
: >"$work/empty.s"
expect 1 "asm an empty file" "$tessel" asm "$work/empty.s" -o "$work/empty.tsp"
contains "$work/err" "empty.s: error: no instructions; a program needs at least a 'finish' instruction" "empty source refused"
if [ -e "$work/empty.tsp" ]; then fail=$((fail + 1)); echo "FAIL: asm of an empty file wrote a program"; else pass=$((pass + 1)); fi

# Outputs, run limits and tuning records: an output that names an input is
# refused (status 2, the input intact); a lost write to standard output is
# an error; --max-cycles stops a program that would run for hours; two tunes
# of one new database both keep their records; impossible records are
# reported and ignored.
cp "$src/examples/asm/vta-gemm.s" "$work/in.s"; cp "$work/in.s" "$work/in.s.orig"
expect 2 "asm -o its input" "$tessel" asm "$work/in.s" -o "$work/in.s"
contains "$work/err" "is the input '$work/in.s'" "asm names the input it would overwrite"
cmp -s "$work/in.s" "$work/in.s.orig" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: asm -o overwrote its input"; }
ln -f "$work/in.s" "$work/link.s"
expect 2 "asm -o a hard link to its input" "$tessel" asm "$work/in.s" -o "$work/link.s"
"$tessel" asm "$work/in.s" -o "$work/in.tsp" && cp "$work/in.tsp" "$work/in.tsp.orig"
expect 2 "disasm -o its input" "$tessel" disasm "$work/in.tsp" -o "$work/in.tsp"
expect 2 "run --trace its input" "$tessel" run "$work/in.tsp" --trace "$work/in.tsp"
contains "$work/err" "--trace" "run names the option"
cmp -s "$work/in.tsp" "$work/in.tsp.orig" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: disasm/run overwrote the program"; }
cp "$src/examples/workloads/gemm.yaml" "$work/w.yaml"; cp "$work/w.yaml" "$work/w.yaml.orig"
cp "$src/examples/hw/vta-default.yaml" "$work/hw.yaml"; cp "$work/hw.yaml" "$work/hw.yaml.orig"
expect 2 "compile -o its workload" "$tessel" compile "$work/w.yaml" -o "$work/w.yaml"
expect 2 "compile -o its --hw" "$tessel" compile "$work/w.yaml" --hw "$work/hw.yaml" -o "$work/hw.yaml"
expect 2 "tune -o its workload" "$tessel" tune "$work/w.yaml" --db "$work/refuse.db" -o "$work/w.yaml"
expect 2 "isa -o its description" "$tessel" isa "$work/hw.yaml" -o "$work/hw.yaml"
for f in w.yaml hw.yaml; do
  cmp -s "$work/$f" "$work/$f.orig" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: $f was overwritten"; }
done
expect 0 "asm -o a new file" "$tessel" asm "$work/in.s" -o "$work/again.tsp"
cmp -s "$work/again.tsp" "$work/in.tsp" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: asm output differs"; }
ls -a "$work" | grep -q '\.tmp' && { fail=$((fail + 1)); echo "FAIL: a temporary output was left behind"; } || pass=$((pass + 1))
expect 1 "asm -o into a missing directory" "$tessel" asm "$work/in.s" -o "$work/nodir/x.tsp"
contains "$work/err" "nodir/x.tsp" "the unwritable output is named"
if [ -w /dev/full ]; then
  "$tessel" disasm "$work/in.tsp" >/dev/full 2>"$work/err"; got=$?
  [ "$got" = 1 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: disasm > /dev/full: exit $got, expected 1"; }
  contains "$work/err" "cannot write standard output" "the lost output is reported"
  "$tessel" isa >/dev/full 2>/dev/null; got=$?
  [ "$got" = 1 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: isa > /dev/full: exit $got, expected 1"; }
fi
# one gemm of 64 micro-ops x 16383 x 16383: 2^34 beats of the 1x16x16 core
cat >"$work/long.s" <<'EOS'
.segment inp input size=16
.segment wgt weight size=256
.segment out output size=16
.uop dst=0 src=0 wgt=0
load buf=uop idx=0 addr=@uops ysize=1 xsize=1 xstride=1
load buf=inp idx=0 addr=@inp ysize=1 xsize=1 xstride=1
load buf=wgt idx=0 addr=@wgt ysize=1 xsize=1 xstride=1 push_next
gemm uop_begin=0 uop_end=64 iter_out=16383 iter_in=16383 pop_prev push_next
store buf=out idx=0 addr=@out ysize=1 xsize=1 xstride=1 pop_prev
finish
EOS
expect 0 "assemble the long program" "$tessel" asm "$work/long.s" -o "$work/long.tsp"
expect 1 "--max-cycles stops the long program" timeout 60 "$tessel" run "$work/long.tsp" --max-cycles 100000
contains "$work/err" "stopped at the cycle limit 100000 (--max-cycles)" "the cycle limit is named"
contains "$work/out" "cycles        100000 " "the cycles until the limit are printed"
expect 1 "the default limit stops it too" timeout 60 "$tessel" run "$work/long.tsp"
contains "$work/err" "stopped at the cycle limit 1000000000 (--max-cycles)" "the default limit is named"
# the time limit is checked between instructions: 4000 gemms of 2^18 beats each
{ sed -n '1,7p' "$work/long.s"; i=0; while [ $i -lt 4000 ]; do
    echo "gemm uop_begin=0 uop_end=64 iter_out=64 iter_in=64"; i=$((i + 1)); done; echo finish; } >"$work/many.s"
expect 0 "assemble the many-gemm program" "$tessel" asm "$work/many.s" -o "$work/many.tsp"
expect 1 "--max-seconds stops it" timeout 60 "$tessel" run "$work/many.tsp" --max-cycles 0 --max-seconds 0.5
contains "$work/err" "(--max-seconds)" "the time limit is named"
expect 2 "--max-cycles takes a number" "$tessel" run "$work/long.tsp" --max-cycles lots
expect 0 "a limit the program stays under" "$tessel" run "$work/in.tsp" --max-cycles 159
expect 1 "a limit one cycle short" "$tessel" run "$work/in.tsp" --max-cycles 158
expect 1 "exec stops at the limit" "$tessel" exec "$src/examples/workloads/gemm.yaml" --max-cycles 1000
contains "$work/out" "stopped" "exec marks the op it stopped"
# the stopped op's MACs are those done by the limit, as tessel run counts them
expect 1 "exec stops at the limit, --json" "$tessel" exec "$src/examples/workloads/gemm.yaml" --max-cycles 5000 --json
cp "$work/out" "$work/stopped.json"
expect 0 "compile the gemm" "$tessel" compile "$src/examples/workloads/gemm.yaml" -o "$work/gemm-stop.tsp"
expect 1 "run it to the same limit, --json" "$tessel" run "$work/gemm-stop.tsp" --max-cycles 5000 --json
cp "$work/out" "$work/stopped-run.json"
cat >"$work/stopped.py" <<'PY'
import json, sys
e, r = (json.load(open(p)) for p in sys.argv[1:3])
op = next(o for o in e["ops"] if o.get("stopped"))
assert op["macs"] == r["macs"] and 0 < op["utilization"] <= 1, (op, r["macs"])
PY
check "the stopped op's MACs and utilization" "$work/stopped.py" "$work/stopped.json" "$work/stopped-run.json"
# busy cycles counted up to the limit: none past the cycles run (the DRAM bus
# counted a request's beats whole, fetch a dispatch at the stop cycle)
for limit in 1 40 100 5000; do
  expect 1 "run to cycle $limit, --json" "$tessel" run "$work/gemm-stop.tsp" --max-cycles $limit --json
  cp "$work/out" "$work/stopped-$limit.json"
  cat >"$work/busy.py" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["cycles"]
busy = {"dram": r["dram"]["busy_cycles"], **{m: v["busy"] for m, v in r["modules"].items()}}
assert all(0 <= b <= c for b in busy.values()), (c, busy)
PY
  check "run to cycle $limit: no busy count past its cycles" "$work/busy.py" "$work/stopped-$limit.json"
done
if command -v sqlite3 >/dev/null; then
  db="$work/tune.db"; rm -f "$db"*
  "$tessel" tune "$src/examples/workloads/gemm.yaml" --db "$db" --budget 3 --json >"$work/t1" 2>"$work/e1" & p1=$!
  "$tessel" tune "$src/examples/workloads/mobilenet-dw.yaml" --db "$db" --budget 3 --json >"$work/t2" 2>"$work/e2" & p2=$!
  wait $p1; r1=$?; wait $p2; r2=$?
  [ "$r1$r2" = 00 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: concurrent tunes: exit $r1 and $r2"; cat "$work/e1" "$work/e2"; }
  measured=$(cat "$work/t1" "$work/t2" | grep -o '"measurements":[0-9]*,"from_records":false' | cut -d: -f2 | cut -d, -f1 | awk '{ n += $1 } END { print n + 0 }')
  rows=$(sqlite3 "$db" "SELECT COUNT(*) FROM records")
  both=$(sqlite3 "$db" "SELECT COUNT(DISTINCT workload) FROM records")
  [ "$rows" = "$measured" ] && [ "$both" = 2 ] && [ "$rows" -gt 0 ] && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL: concurrent tunes: $rows records of $both workloads, $measured measured"; }
  sqlite3 "$db" "UPDATE records SET cycles = 0 WHERE id = 1; UPDATE records SET cycles = -1 WHERE id = 2;
                 UPDATE records SET cycles = 9223372036854775807 WHERE id = 3;"
  expect 0 "tune with impossible records" "$tessel" tune "$src/examples/workloads/gemm.yaml" --db "$db" --budget 3
  contains "$work/err" "3 tuning records with impossible cycles" "impossible records are reported"
  if grep -qE 'inf|nan|18446744073709551615|9223372036854775807' "$work/out"; then
    fail=$((fail + 1)); echo "FAIL: an impossible record was shown"; sed 's/^/  | /' "$work/out"; else pass=$((pass + 1)); fi
  # databases of earlier versions, each without the column its next version
  # added (and the `lowering` of version 5): upgraded in place, every record
  # kept and read as what it was (the column's default is what every mapping
  # then was), none of them taken as this lowering's measurement: the ops
  # are measured again, and the measurements of this tune are read back as
  # in a new database (gemm.yaml's odd_einsum takes odd's)
  db1="$work/v1.db"; rm -f "$db1"*
  expect 0 "tune into a new database" "$tessel" tune "$src/examples/workloads/gemm.yaml" --db "$db1" --budget 3 --json
  ops=$(grep -o '"from_records":' "$work/out" | wc -l)
  own=$(grep -o '"from_records":true' "$work/out" | wc -l)
  for old in "0 direct" "2 box_rows" "3 panel" "4 lowering"; do
    set -- $old
    dbv="$work/v$1.db"; rm -f "$dbv"*
    sqlite3 "$db1" ".backup '$dbv'"
    sqlite3 "$dbv" "ALTER TABLE records DROP COLUMN share;"
    [ "$2" = lowering ] || sqlite3 "$dbv" "ALTER TABLE records DROP COLUMN lowering;"
    sqlite3 "$dbv" "ALTER TABLE records DROP COLUMN $2; PRAGMA user_version = $1;"
    rows=$(sqlite3 "$dbv" "SELECT COUNT(*) FROM records")
    expect 0 "tune with a version $1 database" "$tessel" tune "$src/examples/workloads/gemm.yaml" --db "$dbv" --budget 3 --json
    reused=$(grep -o '"from_records":true' "$work/out" | wc -l)
    [ "$(sqlite3 "$dbv" "PRAGMA user_version")" = 6 ] && [ "$reused" = "$own" ] && [ "$ops" -gt 0 ] &&
      [ "$(sqlite3 "$dbv" "SELECT COUNT(*) FROM records WHERE lowering = 0")" = "$rows" ] &&
      [ "$(sqlite3 "$dbv" "SELECT COUNT(*) FROM records WHERE lowering = 0 AND $2 != 0")" = 0 ] &&
      grep -q "$rows tuning records measured by an earlier version of the lowering are kept but not used" "$work/err" &&
      pass=$((pass + 1)) ||
      { fail=$((fail + 1)); echo "FAIL: a version $1 database: version $(sqlite3 "$dbv" "PRAGMA user_version"), $reused of $ops ops from its records (a new database: $own)"; }
    expect 0 "tune with a version $1 database again" "$tessel" tune "$src/examples/workloads/gemm.yaml" --db "$dbv" --budget 3 --json
    [ "$(grep -o '"from_records":true' "$work/out" | wc -l)" = "$ops" ] && pass=$((pass + 1)) ||
      { fail=$((fail + 1)); echo "FAIL: a version $1 database: its new records are not taken"; }
  done
  # a version 5 database has no `share`: its records are this lowering's,
  # each direct block with its own box, taken as they are
  dbv="$work/v5.db"; rm -f "$dbv"*
  sqlite3 "$db1" ".backup '$dbv'"
  sqlite3 "$dbv" "ALTER TABLE records DROP COLUMN share; PRAGMA user_version = 5;"
  expect 0 "tune with a version 5 database" "$tessel" tune "$src/examples/workloads/gemm.yaml" --db "$dbv" --budget 3 --json
  [ "$(sqlite3 "$dbv" "PRAGMA user_version")" = 6 ] && [ "$(grep -o '"from_records":true' "$work/out" | wc -l)" = "$ops" ] &&
    [ "$(sqlite3 "$dbv" "SELECT COUNT(*) FROM records WHERE share != 0")" = 0 ] && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL: a version 5 database: its records are not taken as they are"; }
  # a direct block of several rows of a part of each row (mobilenet-dw's
  # depthwise layers on edge-tiny, whose rows do not fit its input
  # scratchpad) is recorded with its rows and read back as it was measured
  db2="$work/rows.db"; rm -f "$db2"*
  expect 0 "tune blocks of rows" "$tessel" tune "$src/examples/workloads/mobilenet-dw.yaml" --hw "$src/examples/hw/edge-tiny.yaml" --db "$db2" --budget 2 --json
  grep -o '"box_rows":[0-9]*' "$work/out" | sort > "$work/rows1"
  expect 0 "tune blocks of rows again" "$tessel" tune "$src/examples/workloads/mobilenet-dw.yaml" --hw "$src/examples/hw/edge-tiny.yaml" --db "$db2" --budget 2 --json
  grep -o '"box_rows":[0-9]*' "$work/out" | sort > "$work/rows2"
  [ "$(sqlite3 "$db2" "SELECT COUNT(*) FROM records WHERE box_rows > 1 AND direct = 1")" -gt 0 ] &&
    grep -q '"box_rows":[1-9]' "$work/rows1" && cmp -s "$work/rows1" "$work/rows2" && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL: blocks of rows: $(sqlite3 "$db2" "SELECT COUNT(*) FROM records WHERE box_rows > 1") records; $(cat "$work/rows1" | tr '\n' ' ') then $(cat "$work/rows2" | tr '\n' ' ')"; }
else
  fail=$((fail + 1)); echo "FAIL: the sqlite3 command is not installed (scripts/setup.sh installs it)"
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
