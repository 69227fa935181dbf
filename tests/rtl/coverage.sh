#!/bin/sh
# coverage.sh TESSEL SRCDIR WORK: scripts/rtl-coverage.sh counts what the
# programs it is given execute.  The ALU's `mov` has a line of its own in
# tsl_alu_lane.sv: it must be reached exactly when one of the programs has
# an `alu op=mov` (read off their disassembly, apart from the coverage), and
# the summary must list every module of the RTL.
set -eu
tessel=$1 src=$2 work=$3
hw=$src/examples/hw/vta-default.yaml
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
mov_count() { # the count annotated on the mov line of the last coverage run
  line=$(grep '// mov' out/annotated/tsl_alu_lane.sv) || fail "no '// mov' line in the annotated tsl_alu_lane.sv"
  echo "$line" | sed 's/^[ %]*\([0-9][0-9]*\).*/\1/'
}

# random programs, and whether they have a mov
for s in 1 2; do "$tessel" randprog --seed "$s" --iterations 2 --hw "$hw" -o "r$s.tsp"; done
# (the disassembly writes an instruction's op after its micro-op fields)
movs=$( { "$tessel" disasm r1.tsp; "$tessel" disasm r2.tsp; } | grep -c '^alu .*op=mov' || true)
# a program with one: a random one whose first ALU instruction becomes a mov
"$tessel" randprog --seed 4 --iterations 2 --hw "$hw" -o r4.s
sed '0,/^alu op=[a-z]*/s//alu op=mov/' r4.s > mov.s
grep -q '^alu op=mov' mov.s || fail "seed 4 has no ALU instruction to make a mov"
"$tessel" asm mov.s --hw "$hw" -o mov.tsp

bash "$src/scripts/rtl-coverage.sh" -n 0 -t "$tessel" -o out -p r1.tsp -p r2.tsp "$hw" > random.txt
cat random.txt
n=$(mov_count)
if [ "$movs" -gt 0 ]; then [ "$n" -gt 0 ] || fail "the random programs have $movs movs but the mov line counts 0"
else [ "$n" -eq 0 ] || fail "no random program has a mov but the mov line counts $n"; fi
for f in "$src"/rtl/*.sv "$src"/rtl/sim/*.sv; do
  grep -q "^$(basename "$f") " out/summary.txt || fail "$(basename "$f") is not in the summary"
done

bash "$src/scripts/rtl-coverage.sh" -n 0 -t "$tessel" -o out -p mov.tsp "$hw" > mov.txt
n=$(mov_count)
[ "$n" -gt 0 ] || fail "a program with a mov ran, but the mov line counts 0"
echo "mov line: $n with the mov program; random programs: $movs movs"

# -k: a knob program per description (seed 1001; with full instruction
# queues it has a mov), whose mov line counts what its disassembly says; -w: a
# workload the description cannot run (fp16 on an int8 one) is skipped with
# tessel's reason, not a failure
"$tessel" randprog --seed 1001 --iterations 2 --knobs full-queues --hw "$hw" -o k.tsp
kmovs=$("$tessel" disasm k.tsp | grep -c '^alu .*op=mov' || true)
bash "$src/scripts/rtl-coverage.sh" -n 0 -t "$tessel" -o out -k full-queues -w "$src/examples/workloads/fp16.yaml" "$hw" > knob.txt 2> knob.err
cat knob.err
grep -q "skipped fp16.yaml on vta-default: .*error" knob.err || fail "fp16.yaml on vta-default was not skipped with its reason"
n=$(mov_count)
if [ "$kmovs" -gt 0 ]; then [ "$n" -gt 0 ] || fail "the full-queues program has $kmovs movs but the mov line counts 0"
else [ "$n" -eq 0 ] || fail "the full-queues program has no mov but the mov line counts $n"; fi
echo "mov line: $n with the full-queues program ($kmovs movs)"
