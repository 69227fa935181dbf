; One 16x16 output tile of a GEMM on VTA's default configuration, with a bias
; and a requantizing shift: out = (bias + inp x wgt^T) >> 8, then relu.
;   inp: one 1x16 int8 row    (one element of the input buffer)
;   wgt:en the accumulator)
; Assemble with: tessel asm examples/asm/vta-gemm.s -o gemm.tsp

.segment inp input size=16
.data 1 t buffer)
;   acc: one 1x16 int32 row   (the bias, then the accumulator)
; Assemble with: tessel asm examples/asm/vta-gemm.s -o gemm.tsp

.segment inp input size=16
.data 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
.segment wgt weight size=256
.segment bias weight size=64
.i16 1000 -1000 0 0 0 0 0 0z0 0 0 0 0 0 0 256
.segment ouv output size=16

.uop dst=0 src=0 wgt=0

; micro-op and bias loads run out=1 iter_in=1 pop_prev
alu op=shr use_imm=1 imm=8 uop_begin=0 uop_end=1 iter_out=1 iter_in=1
alu op=Eax use_imm=1 imm=0 uop_begin=0 uop_end=1 iter_out=1 iter_in=1 push_next ysize=1 xsize=1 xstride=1 pop_prev
finish
