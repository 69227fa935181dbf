#!/usr/bin/env bash
# The main demo: what tessel derives from a hardware description, and a
# program assembled for it, read back and run on the simulator.
set -euo pipefail
tessel=${1:-tessel}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== tessel check (the built-in VTA default)"
"$tessel" check
echo
echo "== tessel check examples/hw/server-wide.yaml (three memory levels)"
"$tessel" check "$here/hw/server-wide.yaml"
echo
echo "== tessel isa: the derived 'gemm' instruction"
"$tessel" isa | sed -n '/^gemm /,/^$/p'
echo "== tessel asm examples/asm/vta-gemm.s, then tessel disasm"
"$tessel" asm "$here/asm/vta-gemm.s" -o "$work/gemm.tsp"
"$tessel" disasm "$work/gemm.tsp"
echo
echo "== tessel run: the program on the cycle-accurate simulator"
"$tessel" run "$work/gemm.tsp"
echo
echo "== tessel host: a workload (GEMMs) compiled by the LLVM JIT and run on this CPU"
"$tessel" host "$here/workloads/gemm.yaml"
echo
echo "== tessel match: how ResNet-18's second layer binds to the GEMM intrinsic"
"$tessel" match "$here/workloads/resnet18.yaml" | sed -n '/^c2 /,/^c3 /p' | head -5
echo
echo "== tessel exec --verify: every layer compiled, simulated and checked against the host"
"$tessel" exec "$here/workloads/resnet18.yaml" --verify
echo
echo "== tessel compile: MobileNet's layers as one program, run on a new input (.npy in, .npy out)"
"$tessel" compile "$here/workloads/mobilenet-dw.yaml" -o "$work/mb.tsp"
sed 's/^seed: .*/seed: 7/' "$here/workloads/mobilenet-dw.yaml" > "$work/other.yaml"
"$tessel" host "$work/other.yaml" --output "image=$work/image.npy" > /dev/null   # another image
"$tessel" run "$work/mb.tsp" --input "image=$work/image.npy" --output "pw2=$work/pw2.npy" | sed -n 1,2p
"$tessel" host "$here/workloads/mobilenet-dw.yaml" --input "image=$work/image.npy" --output "pw2=$work/ref.npy" > /dev/null
cmp "$work/pw2.npy" "$work/ref.npy" && echo "the accelerator's pw2 is the host's, byte for byte"
echo
echo "== tessel tune: each ResNet-18 layer's mappings searched on the simulator"
"$tessel" tune "$here/workloads/resnet18.yaml" --budget 32 --db "$work/tuning.db"
