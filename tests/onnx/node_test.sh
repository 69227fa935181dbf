#!/bin/sh
# node_test.sh TESSEL DATADIR HWDIR WORKDIR: ONNX backend node tests (Debian's
# libonnx-testdata) through tessel onnx-test.  Every test named in
# passing.txt must match ONNX's expected outputs (within ONNX's tolerances)
# on vta-default, and a few on the other descriptions; a copy whose
# expected output is changed must fail (the comparison can fail); an
# operator, an attribute and a dtype that are not supported are errors
# naming the node, its op_type and the opset, exit 1.
tessel=$1; data=$2; hwdir=$3; work=$4
here=$(dirname "$0")
rm -rf "$work"; mkdir -p "$work"
pass=0; fail=0

expect() { # expect STATUS DESCRIPTION CMD...
  want=$1; what=$2; shift 2
  "$@" >"$work/out" 2>"$work/err"; got=$?
  if [ "$got" = "$want" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $what: exit $got, expected $want"; sed 's/^/  | /' "$work/out" "$work/err" | head -n 8; fi
}
says() { # says FILE TEXT DESCRIPTION
  if grep -qF -- "$2" "$1"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $3: '$2' not in $1"; sed 's/^/  | /' "$1" | head -n 5; fi
}

for t in $(cat "$here/passing.txt"); do
  expect 0 "$t" "$tessel" onnx-test "$data/$t"
  expect 0 "$t on mma-fp16" "$tessel" onnx-test "$data/$t" --hw "$hwdir/mma-fp16.yaml"
done
for h in edge-tiny dot-i8 server-wide mma-fp16; do
  for t in test_conv_with_strides_padding test_gemm_transposeB test_maxpool_2d_same_upper test_transpose_all_permutations_3; do
    expect 0 "$t on $h" "$tessel" onnx-test "$data/$t" --hw "$hwdir/$h.yaml"
  done
done

# models written with the onnx package, their outputs computed by numpy
# (tests/onnx/make_models.py): float16 Conv and MatMul on mma-fp16's
# intrinsic, float32 chains on the host, reshapes, an If and the selections
py=/usr/bin/python3; [ -x "$py" ] || py=python3
if "$py" "$here/make_models.py" "$work/models"; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: make_models.py (Debian: python3-onnx, python3-numpy)"; fi
for m in conv_fp16 cnn_fp32 cnn_fp32_external reshape pad_conv_bn qcnn qmatmul pools conv_nd qdq select long_names int_moves shape_chain; do
  for h in vta-default mma-fp16 edge-tiny; do
    expect 0 "$m on $h" "$tessel" onnx-test "$work/models/$m" --hw "$hwdir/$h.yaml"
  done
done
for h in dot-i8 server-wide; do
  for m in qcnn qmatmul pools qdq; do
    expect 0 "$m on $h" "$tessel" onnx-test "$work/models/$m" --hw "$hwdir/$h.yaml"
  done
done
expect 0 "qcnn on the RTL" "$tessel" onnx-test "$work/models/qcnn" --device rtl
expect 0 "pools on the RTL" "$tessel" onnx-test "$work/models/pools" --device rtl

# the integer products run on the accelerator: the op named after each
# integer node (its zero-point terms and requantization may be host ops)
for t in "$data/test_basic_convinteger" "$data/test_convinteger_with_padding" "$data/test_matmulinteger" \
         "$data/test_qlinearconv" "$data/test_qlinearmatmul_2D" "$data/test_qlinearmatmul_3D" \
         "$work/models/qcnn" "$work/models/qmatmul" "$work/models/qdq"; do
  "$tessel" onnx-test "$t" --json >"$work/int.json"
  if "$py" -c '
import json, sys
d = json.load(open(sys.argv[2]))
integer = {"ConvInteger", "MatMulInteger", "QLinearConv", "QLinearMatMul"}
if sys.argv[1].endswith("/qdq"):  # a float Conv and MatMul between Q and DQ nodes: their QLinear ops
    integer = {"Conv", "MatMul"}
names = {n["name"] for n in d["nodes"] if n["op_type"] in integer and "." not in n["name"]}
assert names and all(n["placement"] == "accelerator" for n in d["nodes"] if n["name"] in names), d["nodes"]
assert d["failed"] == 0
' "$t" "$work/int.json"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $t: an integer product is not on the accelerator"; fi
done
"$tessel" onnx-test "$work/models/conv_fp16" --hw "$hwdir/mma-fp16.yaml" --json >"$work/fp16.json"
if "$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
where = {n["op_type"]: n["placement"] for n in d["nodes"] if "." not in n["name"]}  # not the layout ops of its bands
assert where == {"Conv": "accelerator", "Transpose": "host", "MatMul": "accelerator"}, where  # Relu: the conv'"'"'s epilogue
assert d["failed"] == 0
' "$work/fp16.json"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: conv_fp16 on mma-fp16 is not on the accelerator"; fi
expect 0 "conv_fp16 compiled for mma-fp16" "$tessel" compile "$work/models/conv_fp16/model.onnx" --hw "$hwdir/mma-fp16.yaml" -o "$work/fp16.tsp"
says "$work/out" "2 of 5 ops on the accelerator" "the compiled model runs on the accelerator (the Conv cut into bands)"
says "$work/out" "r.host -> t.host" "the Transpose, which only moves values, is a gather between them"
# compiled_run MODEL PROG IN OUT: the program on the test's input (as
# .npy, graph input IN) gives the test's output (OUT)
compiled_run() {
  m=$1; prog=$2
  "$py" -c '
import sys, numpy as np, onnx
from onnx import numpy_helper
t = onnx.TensorProto(); t.ParseFromString(open(sys.argv[1] + "/test_data_set_0/input_0.pb", "rb").read())
np.save(sys.argv[2], numpy_helper.to_array(t))
' "$work/models/$m" "$work/$m-in.npy"
  expect 0 "the compiled $m run on the test's input" "$tessel" run "$prog" --input "$3=$work/$m-in.npy" --output "$4=$work/$m-out.npy"
  if "$py" -c '
import sys, numpy as np, onnx
from onnx import numpy_helper
t = onnx.TensorProto(); t.ParseFromString(open(sys.argv[1] + "/test_data_set_0/output_0.pb", "rb").read())
assert np.array_equal(np.load(sys.argv[2]), numpy_helper.to_array(t))
' "$work/models/$m" "$work/$m-out.npy"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: the compiled $m does not give the expected output"; fi
}
compiled_run conv_fp16 "$work/fp16.tsp" x z
# the same for the quantized QDQ model on vta-default: products on the
# accelerator, Quantize, requantization and Dequantize on the host between
expect 0 "qdq compiled for vta-default" "$tessel" compile "$work/models/qdq/model.onnx" -o "$work/qdq.tsp"
says "$work/out" "2 of 11 ops on the accelerator" "the quantized products are compiled for the accelerator"
compiled_run qdq "$work/qdq.tsp" x z

# a symbolic dimension: sized by --dims, or by onnx-test's data set; an
# error naming it without; a size that names nothing, and --dims for a
# workload file, are errors too
expect 1 "a symbolic dimension without a size" "$tessel" ir "$work/models/dynamic/model.onnx"
says "$work/err" "graph input 'x': dimension 0 is 'batch'; give its size (--dims batch=N)" "the dimension named"
expect 0 "a symbolic dimension sized" "$tessel" exec "$work/models/dynamic/model.onnx" --dims batch=3 --verify
expect 0 "the IR with the size given" "$tessel" ir "$work/models/dynamic/model.onnx" --dims batch=3
says "$work/out" "tensor x input fp32 [3, 3, 8, 8]" "the input takes the size given"
expect 0 "a symbolic dimension sized by the data set" "$tessel" onnx-test "$work/models/dynamic"
expect 1 "a misspelt dimension" "$tessel" ir "$work/models/dynamic/model.onnx" --dims batch=1,bacth=2
says "$work/err" "dimension size 'bacth=2' names no symbolic dimension of the model's graph inputs" "the misspelt size named"
expect 1 "a name sized twice" "$tessel" ir "$work/models/dynamic/model.onnx" --dims batch=2,batch=2
says "$work/err" "'batch' is given twice (items 1 and 2); expected each name once" "the repeated name said"
expect 1 "a size of 0" "$tessel" ir "$work/models/dynamic/model.onnx" --dims batch=0
says "$work/err" "item 1 is 'batch=0'; expected NAME=N, N from 1 to 2^31" "the bad size named"
expect 1 "sizes for a workload file" "$tessel" ir "$hwdir/../workloads/gemm.yaml" --dims batch=1
says "$work/err" "sizes of symbolic dimensions ('batch=1') are for ONNX models; this is a workload file" "the workload file refused"

# a data set with two differing outputs fails once
cp -r "$work/models/qmatmul" "$work/twice"
for k in 0 1; do
  python3 - "$work/twice/test_data_set_0/output_$k.pb" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[-1] ^= 0x01            # the last value's lowest bit
open(p, "wb").write(bytes(b))
PY
done
expect 1 "both outputs changed" "$tessel" onnx-test "$work/twice"
says "$work/out" "0 of 1 data sets match" "the data set is counted once"

# external data: its file is read; without it, an error naming it
mv "$work/models/cnn_fp32_external/weights.bin" "$work/weights.bin"
expect 1 "external data missing" "$tessel" onnx-test "$work/models/cnn_fp32_external"
says "$work/err" "weights.bin" "the missing external data file named"
mv "$work/weights.bin" "$work/models/cnn_fp32_external/weights.bin"

# the comparison can fail: the expected output changed in one value
cp -r "$data/test_conv_with_strides_padding" "$work/changed"
python3 - "$work/changed/test_data_set_0/output_0.pb" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[-2] ^= 0x40            # the high byte of the last float's exponent: another value
open(p, "wb").write(bytes(b))
PY
expect 1 "a changed expected output" "$tessel" onnx-test "$work/changed"
says "$work/out" "0 of 1 data sets match" "the data set is counted as failed"
says "$work/out" "first mismatch: test_data_set_0: 1 values differ" "the mismatch is named"

# what is not supported is an error naming the node, its op_type and opset
expect 1 "an unsupported op" "$tessel" onnx-test "$data/test_softsign_example"
says "$work/err" "node 'Softsign_0' (Softsign, opset 1): not supported; the supported ops are Conv MatMul Gemm" "the op named"
expect 1 "a Slice of a tensor computed at run time" "$tessel" onnx-test "$data/test_slice"
says "$work/err" "node 'Slice_0' (Slice, opset 13): only of constants: a shape and what is computed from shapes alone is folded at import" "the fold named"
expect 1 "an unsupported output" "$tessel" onnx-test "$data/test_dropout_default_mask"
says "$work/err" "node 'Dropout_0' (Dropout, opset 13): the mask output is not supported (inference only)" "the output named"
expect 1 "an unsupported attribute" "$tessel" onnx-test "$data/test_edge_pad"
says "$work/err" "node 'Pad_0' (Pad, opset 13): mode 'edge'; only constant is supported" "the attribute named"
expect 1 "an unsupported dtype" "$tessel" onnx-test "$data/test_cast_DOUBLE_to_FLOAT"
says "$work/err" "graph input 'input' is double; supported: bool, int8, uint8, int16, int32, float16, float" "the dtype named"
expect 1 "an exponent of many values" "$tessel" onnx-test "$data/test_pow"
says "$work/err" "node 'Pow_0' (Pow, opset 15): exponent 'y' has 60 values; a constant exponent of one value is supported" "the exponent named"
expect 1 "a cast to a dtype the IR has not" "$tessel" onnx-test "$data/test_cast_FLOAT_to_DOUBLE"
says "$work/err" "node 'Cast_0' (Cast, opset 13): 'to' is double; supported: bool, int8, uint8, int16, int32, float16, float" "the cast's dtype named"
expect 1 "an If branch with an op not supported" "$tessel" onnx-test "$data/test_if_seq"
says "$work/err" "node 'res.then/SequenceConstruct_1' (SequenceConstruct, opset 13): not supported" "the branch's node named"
expect 1 "a scale computed at run time" "$tessel" ir "$data/test_qlinearconv/model.onnx"
says "$work/err" "node 'QLinearConv_0' (QLinearConv, opset 10): input 'x_scale' must be a constant (an initializer or a Constant node's output)" "the scale named"
printf 'not a protobuf message' >"$work/bad.onnx"
expect 1 "not a model" "$tessel" ir "$work/bad.onnx"
says "$work/err" "not an ONNX model: protobuf-c cannot read it as a ModelProto" "the file named and why"
expect 2 "bad usage" "$tessel" onnx-test
expect 1 "no such folder" "$tessel" onnx-test "$work/none"

echo "onnx node tests: $pass passed, $fail failed"
[ "$fail" = 0 ]
