#!/bin/sh
# io_test.sh TESSEL TESSEL_TLM SRCDIR WORKDIR: a compiled program runs on
# new inputs.  A new input is made by the host from a copy of the workload
# with another seed (tessel host --output); the reference is the host
# backend run on it (tessel host --input); the program, compiled once from
# the original workload, runs on it on the simulator, the RTL and the
# SystemC platform (tessel run/tessel-tlm --input --output).  Integer
# outputs must be identical byte for byte; then the errors.
tessel=$1; tlm=$2; src=$3; work=$4
rm -rf "$work"; mkdir -p "$work"
wl=$src/examples/workloads; hw=$src/examples/hw

. "$(dirname "$0")/checks.sh"
same() { # same A B DESCRIPTION
  if cmp -s "$1" "$2"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $3: $1 and $2 differ"; fi
}
differ() { # differ A B DESCRIPTION
  if cmp -s "$1" "$2"; then fail=$((fail + 1)); echo "FAIL: $3: $1 and $2 are equal"; else pass=$((pass + 1)); fi
}

# ports W.yaml HW KIND: the names of the program's usable inputs or outputs
ports() { "$tessel" disasm "$work/$1.tsp" | grep "^; $2 " | grep -v 'cannot be' | awk '{print $3}'; }

# roundtrip NAME WORKLOAD HW DEVICES [DIR]: compile, make new inputs, compare
# (the workload DIR/WORKLOAD.yaml, examples/workloads by default).
roundtrip() {
  name=$1; w=$2; h=$3; devices=$4; dir=${5:-$wl}
  expect 0 "$name: compile" "$tessel" compile "$dir/$w.yaml" --hw "$hw/$h.yaml" -o "$work/$name.tsp"
  sed 's/^seed: .*/seed: 90210/' "$dir/$w.yaml" > "$work/$name-new.yaml"
  ins=$(ports "$name" input); outs=$(ports "$name" output)
  [ -n "$ins" ] && [ -n "$outs" ] || { fail=$((fail + 1)); echo "FAIL: $name: no inputs or outputs listed"; return; }
  # (expect's own variables are want, got and what: these are other names)
  give=""; make=""; refs=""
  for i in $ins; do give="$give --input $i=$work/$name-in-$i.npy"; make="$make --output $i=$work/$name-in-$i.npy"; done
  for o in $outs; do refs="$refs --output $o=$work/$name-ref-$o.npy"; done
  expect 0 "$name: new inputs" "$tessel" host "$work/$name-new.yaml" $make
  expect 0 "$name: the host on them" "$tessel" host "$dir/$w.yaml" $give $refs
  for d in $devices; do
    take=""; for o in $outs; do take="$take --output $o=$work/$name-$d-$o.npy"; done
    if [ "$d" = tlm ]; then
      expect 0 "$name: tessel-tlm on them" "$tlm" "$work/$name.tsp" $give $take
    else
      expect 0 "$name: run --device $d on them" "$tessel" run "$work/$name.tsp" --device "$d" $give $take
    fi
    for o in $outs; do same "$work/$name-$d-$o.npy" "$work/$name-ref-$o.npy" "$name: output $o on $d is the host's"; done
  done
  # the compiled-in data gives other outputs: the new input was used
  o=$(echo $outs | awk '{print $1}')
  expect 0 "$name: run on the compiled-in data" "$tessel" run "$work/$name.tsp" --output "$o=$work/$name-old-$o.npy"
  differ "$work/$name-old-$o.npy" "$work/$name-ref-$o.npy" "$name: a new input gives a new $o"
}

roundtrip mb mobilenet-dw vta-default "sim tlm"
roundtrip mb-tiny mobilenet-dw edge-tiny "sim rtl tlm"
roundtrip resblock resblock dot-i8 "sim rtl"          # 16-value output elements read as 4-value input elements
roundtrip mb-dot mobilenet-dw dot-i8 "sim"
roundtrip mb-wide mobilenet-dw server-wide "sim"     # gathers between runs
roundtrip gemm gemm server-wide "sim"                  # a shared level, int32 outputs
roundtrip bert bert-ffn vta-default "sim"
roundtrip bert-wide bert-ffn server-wide "sim"         # the second layer reads the first's packed tiles as stored
roundtrip stem-vta stem vta-default "sim"             # and so does mix, frames's
roundtrip pool pooling vta-default "sim tlm"          # host steps: a host op between accelerator ops, ALU max pools
roundtrip pool-tiny pooling edge-tiny "sim rtl"
roundtrip pool-wide pooling server-wide "sim tlm"     # max pools cut into bands: their bands a host step (the lowest value over the padding)
roundtrip resnet resnet18 vta-default "sim"           # C1 split into phases: a host step and a gather first
roundtrip stem stem dot-i8 "sim rtl tlm"              # two ops split into phases, a max pool between
roundtrip twice host-same-operand vta-default "sim" "$src/tests/regress"  # host steps reading one tensor twice
roundtrip padpool pool-window-in-padding server-wide "sim" "$src/tests/regress"  # windows wholly in the padding
# float clip [0, 0] is +0 for every number, bit for bit as the host's (its
# output is the same on any input, so not a roundtrip)
expect 0 "clip-zero: compile" "$tessel" compile "$src/tests/regress/fp16/clip-zero.yaml" --hw "$hw/mma-fp16.yaml" -o "$work/clip-zero.tsp"
expect 0 "clip-zero: run" "$tessel" run "$work/clip-zero.tsp" --output "c00=$work/clip-zero-dev.npy" --output "c22=$work/clip-zero-dev22.npy"
expect 0 "clip-zero: host" "$tessel" host "$src/tests/regress/fp16/clip-zero.yaml" --output "c00=$work/clip-zero-host.npy" --output "c22=$work/clip-zero-host22.npy"
same "$work/clip-zero-dev.npy" "$work/clip-zero-host.npy" "clip [0, 0]: the device's bits are the host's"
same "$work/clip-zero-dev22.npy" "$work/clip-zero-host22.npy" "clip [-2, 2]: the device's bits are the host's"

# An .npy written by the host reads back as it was written.
expect 0 "host writes an input" "$tessel" host "$wl/mobilenet-dw.yaml" --output "image=$work/image.npy" --output "pw2=$work/pw2-a.npy"
expect 0 "host reads it back" "$tessel" host "$wl/mobilenet-dw.yaml" --input "image=$work/image.npy" --output "pw2=$work/pw2-b.npy"
same "$work/pw2-a.npy" "$work/pw2-b.npy" "the host's own input given back changes nothing"
contains "$work/image.npy" "{'descr': '|i1', 'fortran_order': False, 'shape': (1, 56, 56, 32), }" "the .npy header"

# Errors: the tensor named, exit 1; bad usage 2.
p=$work/mb.tsp; img=$work/mb-in-image.npy
expect 1 "an unknown input" "$tessel" run "$p" --input "picture=$img"
contains "$work/err" "tensor 'picture' is not an input of the program; its inputs: image" "unknown input named, inputs listed"
expect 1 "an output given as an input" "$tessel" run "$p" --input "pw2=$img"
contains "$work/err" "(it is an output)" "an output is not an input"
expect 1 "an unknown output" "$tessel" run "$p" --output "dw1=$work/x.npy"
contains "$work/err" "tensor 'dw1' is not an output of the program" "an intermediate is not an output"
expect 1 "a wrong shape" "$tessel" run "$p" --input "image=$work/mb-ref-pw2.npy"
contains "$work/err" "tensor 'image' is int8 (1, 56, 56, 32) NHWC; the file holds int8 (1, 28, 28, 128)" "shapes named"
expect 1 "a wrong dtype" "$tessel" run "$work/gemm.tsp" --input "a256=$work/gemm-ref-square.npy"
contains "$work/err" "tensor 'a256' is int8 (256, 256)" "dtype named"
printf 'not a numpy file' > "$work/bad.npy"
expect 1 "not a .npy file" "$tessel" run "$p" --input "image=$work/bad.npy"
contains "$work/err" "bad.npy: error: the file is not a .npy file" "bad file named"
expect 1 "a missing file" "$tessel" run "$p" --input "image=$work/none.npy"
contains "$work/err" "none.npy: error: cannot open" "missing file named"
expect 1 "no name" "$tessel" run "$p" --input "$img"
contains "$work/err" "expected NAME=FILE.npy" "NAME=FILE asked for"
expect 1 "a name given twice" "$tessel" run "$p" --input "image=$img" --input "image=$img"
contains "$work/err" "tensor 'image' is given to --input twice" "twice named"
expect 2 "an output over an input" "$tessel" run "$p" --input "image=$img" --output "pw2=$img"
contains "$work/err" "is named for tensors 'image' and 'pw2'; an output must not overwrite another file" "the clash named"
contains "$work/err" "usage: tessel run " "the clash's usage follows (exit status 2)"
expect 2 "an output over the program" "$tessel" run "$p" --output "pw2=$p"
contains "$work/err" "usage: tessel run " "an output over the program: the usage follows"
cp "$src/examples/hw/vta-default.yaml" "$work/hw-copy.yaml"
expect 2 "an output over --hw" "$tessel" run "$p" --hw "$work/hw-copy.yaml" --output "pw2=$work/hw-copy.yaml"
contains "$work/err" "--output pw2=$work/hw-copy.yaml is the --hw '$work/hw-copy.yaml' (the same file)" "the --hw named"
same "$work/hw-copy.yaml" "$src/examples/hw/vta-default.yaml" "--hw not overwritten"
expect 2 "a --trace over an input" "$tessel" run "$p" --input "image=$img" --trace "$img"
expect 2 "a --trace over an output" "$tessel" run "$p" --output "pw2=$work/pw2-trace.npy" --trace "$work/pw2-trace.npy"
expect 2 "--input without a value" "$tessel" run "$p" --input
# outputs that are no regular file are written in place: /dev/null twice is no clash
expect 0 "--output and --trace to /dev/null" "$tessel" run "$p" --output "pw2=/dev/null" --trace /dev/null
expect 0 "exec: --trace and --html to /dev/null" "$tessel" exec "$wl/mobilenet-dw.yaml" --trace /dev/null --html /dev/null
expect 0 "tessel-tlm: --dump-outputs and --output to /dev/null" "$tlm" "$p" --dump-outputs /dev/null --output "pw2=/dev/null"
same "$img" "$work/mb-in-image.npy" "no input was overwritten"
expect 1 "tessel-tlm: an unknown input" "$tlm" "$p" --input "picture=$img"
contains "$work/err" "tensor 'picture' is not an input of the program" "tessel-tlm names it too"
expect 2 "tessel-tlm: no name" "$tlm" "$p" --input "$img"
expect 1 "host: a computed tensor given" "$tessel" host "$wl/mobilenet-dw.yaml" --input "dw1=$img"
contains "$work/err" "tensor 'dw1' is computed by op 'dw1'" "host names the op"
expect 1 "host: an unknown tensor" "$tessel" host "$wl/mobilenet-dw.yaml" --output "nothing=$work/x.npy"
# Host steps run between the runs, and the compile says which.
expect 0 "pooling: compile lists host steps" "$tessel" compile "$wl/pooling.yaml" -o "$work/pool2.tsp"
contains "$work/out" "nothing ran on the host at compile time" "nothing ran at compile time"
contains "$work/out" "avg (conv.host -> avg.host)" "the host op as a step"
expect 0 "pooling: disasm lists the host steps" "$tessel" disasm "$work/pool2.tsp"
contains "$work/out" "host op" "disasm names the host ops"

# An output that is one of the workload's data files (an input too) is
# refused before anything is written.
mkdir -p "$work/wd"
head -c 960 /dev/urandom > "$work/wd/a.bin"
cat > "$work/wd/w.yaml" <<'YAML'
name: withdata
tensors:
  - {name: a, shape: [24, 40], dtype: int8, data: {raw: a.bin}}
  - {name: b, shape: [40, 20], dtype: int8, kind: weight}
ops:
  - {name: mm, op: matmul, a: a, b: b, dtype: int32}
YAML
cp "$work/wd/a.bin" "$work/wd/a.orig"
expect 2 "compile -o the workload's data file" "$tessel" compile "$work/wd/w.yaml" -o "$work/wd/a.bin"
contains "$work/err" "is the workload's data file" "the data file named"
expect 2 "host --output the workload's data file" "$tessel" host "$work/wd/w.yaml" --output "mm=$work/wd/a.bin"
expect 2 "exec --trace the workload's data file" "$tessel" exec "$work/wd/w.yaml" --trace "$work/wd/a.bin"
expect 2 "tune -o the workload's data file" "$tessel" tune "$work/wd/w.yaml" --db "$work/wd/t.db" -o "$work/wd/a.bin"
same "$work/wd/a.bin" "$work/wd/a.orig" "the data file is as it was"
expect 0 "host --output beside it" "$tessel" host "$work/wd/w.yaml" --output "mm=$work/wd/mm.npy"

echo "io: $pass passed, $fail failed"
[ "$fail" = 0 ]
