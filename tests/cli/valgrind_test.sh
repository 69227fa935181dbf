#!/bin/sh
# valgrind_test.sh TESSEL SRCDIR WORKDIR: the commands that run a program
# on the simulator read no uninitialised memory (Memcheck).  Their run
# options were once on the stack with only the limits set, the trace and
# timing-only flags whatever was there: timing only would have skipped the
# values.  Not under the sanitizers (the normal build's test).
tessel=$1; src=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
. "$(dirname "$0")/checks.sh"
vg="valgrind --error-exitcode=99 --quiet --track-origins=no"
expect 0 "compile" "$tessel" compile "$src/examples/workloads/gemm.yaml" -o "$work/gemm.tsp"
expect 0 "run under Memcheck" $vg "$tessel" run "$work/gemm.tsp"
expect 0 "exec under Memcheck" $vg "$tessel" exec "$src/tests/regress/narrow-b-batches.yaml"
echo "valgrind: $pass passed, $fail failed"
[ "$fail" = 0 ]
