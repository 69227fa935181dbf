#!/bin/sh
# tlm_io_test.sh PART TESSEL TESSEL_TLM SOURCE_DIR WORKDIR: tessel-tlm's
# files as tessel run's, each PART checked against what tessel run (the C
# simulator, another path) does with the same program:
#   overwrite  an output (--dump-outputs, --output) that is an input (the
#              program, also through a hard link or a symbolic link; an
#              --input file) or another output is refused before any work,
#              exit 2, naming both, the file left as it was (docs/cli.md,
#              "Outputs")
#   segments   --output NAME=FILE.npy of a program tessel asm wrote writes
#              output segment NAME's bytes, the same file tessel run writes;
#              an unknown name lists the output (or input) segments
#   nomem      a DRAM the host cannot give (16 GiB under ulimit -v) is exit
#              1 with tessel run's message, not SystemC's abort (134).
#              Not registered under the sanitizers: their shadow memory
#              does not start under ulimit -v, and DRAM is mapped (mmap),
#              past ASan's allocator and its limits.
part=$1 tessel=$2 tlm=$3 src=$4 work=$5
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
. "$src/tests/cli/checks.sh"
same() { # same A B DESCRIPTION
  if cmp -s "$1" "$2"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $3: $1 and $2 differ"; fi
}
absent() { # absent FILE DESCRIPTION
  if [ -e "$1" ]; then fail=$((fail + 1)); echo "FAIL: $2: $1 was written"; else pass=$((pass + 1)); fi
}
limited() { # limited KB CMD...: CMD with at most KB kilobytes of address space
  kb=$1; shift
  # shellcheck disable=SC3045 # dash and bash have it (as cli_test.sh uses it)
  (ulimit -v "$kb" && exec "$@")
}
nothing_ran() { # nothing_ran DESCRIPTION: the last command stopped before loading the program
  if grep -q "^program: " "$work/out"; then fail=$((fail + 1)); echo "FAIL: $1: it ran"; else pass=$((pass + 1)); fi
}

# vta-gemm.s with a second output segment before 'out', holding data of its
# own that nothing overwrites: --output must pick the segment by its name.
sed 's/^\.segment out output size=16/.segment flag output size=4\n.data 7 8 9 10\n&/' \
  "$src/examples/asm/vta-gemm.s" > two.s
"$tessel" asm two.s -o two.tsp || exit 1
cp two.tsp two.orig

overwrite() {
  ln two.tsp hard.tsp && ln -s two.tsp soft.tsp || exit 1
  # tessel run refuses the same: the behaviour asked for
  expect 2 "tessel run --trace over the program" "$tessel" run two.tsp --trace hard.tsp
  contains err "is the input 'two.tsp' (the same file), which it would overwrite" "tessel run names both"
  for o in two.tsp hard.tsp soft.tsp "$work/two.tsp"; do
    expect 2 "--dump-outputs $o over the program" "$tlm" two.tsp --dump-outputs "$o"
    contains err "tessel-tlm: error: the output --dump-outputs '$o' is the input 'two.tsp' (the same file), which it would overwrite" \
      "--dump-outputs $o: both named"
    nothing_ran "--dump-outputs $o"
    expect 2 "--output out=$o over the program" "$tlm" two.tsp --output "out=$o"
    contains err "the output --output out '$o' is the input 'two.tsp' (the same file)" "--output out=$o: both named"
    nothing_ran "--output out=$o"
  done
  same two.tsp two.orig "the program is as it was"
  printf 'kept' > in.npy && cp in.npy in.orig
  expect 2 "--dump-outputs over an --input file" "$tlm" two.tsp --input "inp=in.npy" --dump-outputs in.npy
  contains err "the output --dump-outputs 'in.npy' is the input --input inp 'in.npy' (the same file)" "the --input named"
  same in.npy in.orig "the --input file is as it was"
  expect 2 "two outputs, one file" "$tlm" two.tsp --dump-outputs d.txt --output "out=d.txt"
  contains err "the outputs --dump-outputs and --output out are the same file 'd.txt'" "both outputs named"
  absent d.txt "two outputs, one file"
  expect 1 "an --output name twice" "$tlm" two.tsp --output "out=a.npy" --output "out=b.npy"
  contains err "tensor 'out' is given to --output twice" "the name given twice named"
  # beside them, the outputs are written and the program still runs
  expect 0 "--dump-outputs beside the program" "$tlm" hard.tsp --dump-outputs d.txt
  contains d.txt "out 16" "the dump written"
  same two.tsp two.orig "the program is as it was after a run"
}

segments() {
  expect 0 "tessel run --output of the segments" "$tessel" run two.tsp --output flag=flag-run.npy --output out=out-run.npy
  expect 0 "tessel-tlm --output of the segments" "$tlm" two.tsp --output out=out-tlm.npy --output flag=flag-tlm.npy \
    --dump-outputs dump.txt
  same out-tlm.npy out-run.npy "segment out as tessel run writes it"
  same flag-tlm.npy flag-run.npy "segment flag as tessel run writes it"
  contains out-tlm.npy "{'descr': '|u1', 'fortran_order': False, 'shape': (16,), }" "a uint8 array of the segment's size"
  # the .npy's data (after its 128-byte header) are the dump's bytes, and
  # flag's the data the source gave it
  tail -c 16 out-tlm.npy | od -An -tx1 -v | tr -s ' \n' ' ' > out-npy.hex
  sed -n '/^out 16$/{n;p;}' dump.txt | tr -s ' \n' ' ' | sed 's/^/ /' > out-dump.hex
  same out-npy.hex out-dump.hex "segment out's bytes are those the driver read back"
  if [ "$(tail -c 4 flag-tlm.npy | od -An -tu1 | tr -s ' ')" = " 7 8 9 10" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: segment flag's bytes are not 7 8 9 10"; fi
  # an unknown name: the segments of that kind listed, no file written
  for cmd in "$tessel run" "$tlm"; do
    # shellcheck disable=SC2086
    expect 1 "$cmd: an unknown output" $cmd two.tsp --output nope=nope.npy
    contains err "two.tsp: error: tensor 'nope' is not an output of the program; its output segments: flag, out" \
      "$cmd: the output segments listed"
    absent nope.npy "$cmd: an unknown output"
    # shellcheck disable=SC2086
    expect 1 "$cmd: an input" $cmd two.tsp --input inp=out-run.npy
    contains err "two.tsp: error: tensor 'inp' is not an input of the program; it has segments, not tensors, and takes no --input (its input segments: inp)" \
      "$cmd: the input segments listed"
  done
}

nomem() {
  # vta-default with the largest DRAM a description may have
  sed -e 's/^\(    capacity: \)1 GiB/\116 GiB/' -e 's/^\(    address_bits: \)32/\134/' \
    -e 's/^\(  instruction_bits: \)128/\1256/' -e 's/^name: vta-default/name: dram16g/' \
    "$src/examples/hw/vta-default.yaml" > dram16g.yaml
  contains dram16g.yaml "capacity: 16 GiB" "the description has 16 GiB of DRAM"
  expect 0 "assemble for 16 GiB" "$tessel" asm "$src/examples/asm/vta-gemm.s" --hw dram16g.yaml -o g16.tsp
  # 4 GB of address space cannot hold 16 GiB of DRAM
  expect 1 "tessel run without the DRAM" limited 4000000 "$tessel" run g16.tsp
  contains err "g16.tsp: error: cannot allocate 17179869184 bytes of DRAM for 'dram16g'" "tessel run's message"
  cp err run.err
  expect 1 "tessel-tlm without the DRAM" limited 4000000 "$tlm" g16.tsp
  same err run.err "tessel-tlm's message is tessel run's"
  if grep -q "Fatal\|cycles: " out err; then fail=$((fail + 1)); echo "FAIL: it aborted or ran: $(cat out err)"; else
    pass=$((pass + 1)); fi
}

case $part in
overwrite | segments | nomem) $part ;;
*) echo "unknown part '$part'" >&2; exit 2 ;;
esac
echo "tlm_io $part: $pass passed, $fail failed"
[ "$fail" = 0 ]
