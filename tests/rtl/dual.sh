# dual.sh TESSEL RTL_RANDOM SRCDIR WORK: a description with two intrinsics on
# the RTL, one unit each with its own opcode and timing.  The example
# vta-dual adds to vta-default `gemm_t`, the GEMM with its weight tile
# transposed (wgt[k, j]), with a latency of 7 and an initiation interval of
# 2; random programs, plain and with every knob, and compiled workloads give
# the same memory and statistics on the RTL as on the simulator, and the
# random programs run both intrinsics.
set -eu
tessel=$1 random=$2 src=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
hw=$src/examples/hw/vta-dual.yaml
grep -q "name: gemm_t" "$hw" || { echo "FAIL: $hw has no gemm_t" >&2; exit 1; }
got=$("$tessel" check "$hw" | grep '^rtl:')
[ "$got" = "rtl: supported" ] || { echo "FAIL: $got" >&2; exit 1; }
# both intrinsics among the random programs
n=0
for s in 1 2 3 4 5 6 7 8; do
  "$tessel" randprog --seed $s --iterations 2 --hw "$hw" -o "$work/r$s.s"
  grep -q '^gemm_t ' "$work/r$s.s" && grep -q '^gemm ' "$work/r$s.s" && n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no random program of seeds 1-8 runs both intrinsics" >&2; exit 1; }
echo "$n of 8 random programs run both intrinsics"
"$random" "$hw" 1 100 2
"$random" "$hw" 1 10 2 all
for wl in gemm resblock; do
  "$tessel" cosim "$src/examples/workloads/$wl.yaml" --hw "$hw" | tee "$work/$wl.txt"
  grep -q "sim and rtl agree" "$work/$wl.txt"
done
# each unit on data whose results are stored, against numpy too
/usr/bin/python3 "$src/tests/rtl/dual_directed.py" "$tessel" "$hw" "$work/directed"
