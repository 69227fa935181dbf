#!/bin/sh
# tlm_cli_test.sh TESSEL TESSEL_TLM SOURCE_DIR WORKDIR
# tessel-tlm's exit statuses and messages: 0 success, 1 bad input, 2 bad usage.
set -eu
tessel=$1 tlm=$2 srcdir=$3 work=$4
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # expect STATUS MESSAGE-SUBSTRING ARGS...
  want=$1 msg=$2; shift 2
  set +e; "$tlm" "$@" > out 2> err; got=$?; set -e
  [ "$got" = "$want" ] || fail "tessel-tlm $*: exit $got, expected $want; stderr: $(cat err)"
  grep -qF -- "$msg" err out || fail "tessel-tlm $*: no '$msg' in: $(cat err out)"
}

"$tessel" asm "$srcdir/examples/asm/vta-gemm.s" -o gemm.tsp
printf 'not a program' > junk.tsp
# Programs that fail at run time: a GEMM waiting for a token nothing pushes,
# and a load past the end of DRAM.
printf 'gemm uop_begin=0 uop_end=1 iter_out=1 iter_in=1 pop_prev\nfinish\n' > stuck.s
"$tessel" asm stuck.s -o stuck.tsp
printf 'load buf=inp idx=0 addr=0x3fffffff ysize=1 xsize=2 xstride=2\nfinish\n' > outside.s
"$tessel" asm outside.s -o outside.tsp

expect 0 "usage: tessel-tlm" --help
expect 0 "cycles: " gemm.tsp
[ ! -s err ] || fail "a successful run wrote to stderr: $(cat err)"
expect 2 "no program given"
expect 2 "unknown option '--fast'" gemm.tsp --fast
expect 2 "--mem-latency needs a value" gemm.tsp --mem-latency
expect 2 "--mem-latency takes a whole number" gemm.tsp --mem-latency -3
expect 2 "--mem-latency takes a whole number" gemm.tsp --mem-latency 12x
expect 2 "more than one program" gemm.tsp gemm.tsp
expect 1 "cannot open" missing.tsp
expect 1 "not a tessel program" junk.tsp
expect 1 "stuck.tsp: error: deadlock at cycle" stuck.tsp
expect 1 "outside.tsp: error: instruction 0 (load): source rows reach byte 0x400000010 of DRAM" outside.tsp
[ ! -s out ] || ! grep -q "cycles:" out || fail "a failed run printed a cycle count"
expect 1 "cannot write" gemm.tsp --dump-outputs "$work/no/such/dir/out"
# Run limits, as tessel run's: a run not finished by the limit stops with
# what it did; a limit above the run changes nothing.
expect 1 "gemm.tsp: error: stopped at the cycle limit 20 (--max-cycles)" gemm.tsp --max-cycles 20
expect 0 "cycles: " gemm.tsp --max-cycles 100000 --max-seconds 60
expect 2 "--max-cycles takes a whole number" gemm.tsp --max-cycles -1
expect 2 "--max-seconds takes a number of seconds" gemm.tsp --max-seconds soon
expect 2 "--input 'image': expected NAME=FILE.npy" gemm.tsp --input image
expect 1 "tensor 'x' is not an input of the program; it has segments, not tensors, and takes no --input (its input segments: inp)" gemm.tsp --input x=x.npy
echo PASS
