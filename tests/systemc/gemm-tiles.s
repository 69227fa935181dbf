; Data flow through every module on VTA's default configuration: a 4x16 by
; 16x32 int8 matrix product with an int32 bias, doubled, requantized and
; saturated to int8:  out = clip((2 * (bias + inp x wgt^T)) >> 6, 127).
;   inp:  4 rows of 16 int8               (4 input elements)
;   wgt:  2 blocks of 16x16 int8          (2 weight elements: output columns 0-15, 16-31)
;   bias: 4x32 int32                      (8 accumulator elements, row-major)
;   out:  4x32 int8                       (8 output elements)
; The load module fetches inp and wgt and hands them to compute with a token;
; compute loads the micro-ops and the bias, runs the GEMM over two micro-ops
; and four rows, three ALU passes, and hands the result to store.

.segment inp input size=64
.data -6 3 4 -12 -8 -18 -15 -12 -5 12 -7 5 -19 9 11 9
.data 4 11 16 -8 5 -15 11 -6 -19 -3 13 6 10 4 -13 -4
.data -14 -16 4 19 4 -14 -17 1 -5 -15 11 13 -7 17 -11 18
.data -16 14 -18 11 -8 -11 17 9 17 8 -2 15 2 7 -12 -10
.segment wgt weight size=512
.data -6 8 1 2 6 7 -3 0 -5 2 7 0 7 -7 7 8 -2 2 -2 -9 0 1 -2 -1 -8 4 -1 3 0 4 -4 3
.data -6 -4 -9 -3 -4 0 -6 -9 3 1 -4 9 4 -2 -5 4 9 5 4 4 -7 9 -7 0 -6 -8 -7 -6 7 7 2 -5
.data 7 6 -5 -7 -3 -9 -5 1 3 9 -6 0 2 1 2 -9 6 -3 -8 -8 9 -4 -4 1 4 5 -6 -7 -3 -2 6 6
.data -5 3 -6 -6 9 5 -5 5 7 -7 6 9 3 2 5 -2 -8 -3 -8 5 -6 -6 -3 -9 -9 2 4 7 -7 7 9 -3
.data 7 -2 1 7 3 7 -3 -9 0 0 -7 1 3 -2 0 -7 8 4 2 1 7 0 2 0 -6 -3 6 2 3 9 0 -3
.data 0 3 3 7 2 9 2 4 -3 6 7 7 -7 -1 -4 -7 6 -1 4 -6 -1 0 -1 7 -1 -1 4 -2 2 -2 -2 7
.data 5 -2 -2 7 -3 2 6 -6 -6 3 -7 -4 9 4 -8 -5 -9 -3 -1 -7 -6 5 5 0 9 -7 -5 2 -7 1 -8 -7
.data -5 2 -7 -2 -8 1 -2 0 2 1 -7 7 -6 2 4 -4 -4 -1 3 -5 4 -7 -6 8 -2 -7 0 -4 1 -3 -6 -8
.data -8 8 -4 -4 8 1 0 -2 7 6 -6 9 -7 -5 -5 -2 1 -3 4 -4 -4 -5 5 -8 5 9 0 4 4 9 2 9
.data 6 2 7 -4 0 -1 6 -5 -1 6 7 8 7 0 -3 9 7 3 -5 6 6 -6 0 3 -8 -8 2 7 0 2 3 -9
.data -5 -9 -7 -4 5 9 -5 4 9 9 -6 2 7 -8 2 2 -6 1 -6 6 -4 -2 6 2 9 2 2 4 2 -8 -5 1
.data -8 -8 -2 7 2 6 2 6 8 -4 0 -5 -1 -9 5 0 9 -1 5 0 0 3 6 5 -7 6 5 1 -5 9 -6 2
.data 5 2 6 9 3 -3 8 7 9 -4 -5 7 -8 -7 8 0 -3 -5 3 -1 -3 -6 -9 -8 5 -3 1 1 -9 -9 -9 -5
.data 9 0 0 -9 -8 -3 1 1 -7 4 -2 -9 -6 7 7 -3 6 4 -6 4 7 -5 -7 -5 2 4 -8 -1 4 -3 -9 0
.data -7 6 1 -4 -2 -8 3 0 -1 0 7 -1 -9 3 -3 -3 -3 -6 6 -5 1 -2 -7 4 2 7 8 6 5 2 -5 -4
.data 6 -6 -2 7 1 -4 8 -2 -2 4 -3 1 -5 9 -1 -7 5 1 9 -5 -2 3 -9 1 3 2 0 -6 -6 3 5 4
.segment bias weight size=512
.i32 1903 -2914 993 -231 1488 2867 -1359 -2867 -2876 2771 1974 2632 1099 -388 51 2777
.i32 965 1756 -2154 2008 -1565 -2067 -2553 643 -740 -2334 1485 -2769 -1376 -966 2172 -2389
.i32 -2510 -253 -177 151 2805 -437 991 1958 -1704 1019 -749 2150 -2516 911 833 1787
.i32 -983 1431 2466 2658 -2527 1210 1163 2325 285 676 1285 883 2476 -1691 -2037 1699
.i32 2033 1180 2708 -1598 -300 -597 1640 1475 268 2112 -2054 658 1540 -1504 -559 -1696
.i32 -76 -108 1333 -2543 2558 278 1970 -745 -2422 -980 1521 2851 2639 864 590 -666
.i32 2744 -1445 907 1488 -2459 2337 -2484 2155 -606 -2441 -1514 234 -2171 1481 -1986 -1510
.i32 -1491 2885 976 -358 1657 -1054 2783 -1418 588 -953 107 -2758 1258 -147 -503 -2023
.segment out output size=128

; acc[2r + j] += inp[r] x wgt[j] for j = 0, 1 (the loop adds r to src, 2r to dst)
.uop dst=0 src=0 wgt=0
.uop dst=1 src=0 wgt=1
; acc[e] op= acc[e] for e = 0..7 (the loop adds e to dst and src)
.uop dst=0 src=0 wgt=0

load buf=uop idx=0 addr=@uops ysize=1 xsize=3 xstride=3
load buf=acc idx=0 addr=@bias ysize=1 xsize=8 xstride=8
load buf=inp idx=0 addr=@inp ysize=4 xsize=1 xstride=1
load buf=wgt idx=0 addr=@wgt ysize=1 xsize=2 xstride=2 push_next
gemm uop_begin=0 uop_end=2 iter_out=4 iter_in=1 dst_out=2 src_out=1 pop_prev
alu op=add uop_begin=2 uop_end=3 iter_out=8 iter_in=1 dst_out=1 src_out=1
alu op=shr use_imm=1 imm=6 uop_begin=2 uop_end=3 iter_out=8 iter_in=1 dst_out=1 src_out=1
alu op=clip use_imm=1 imm=127 uop_begin=2 uop_end=3 iter_out=8 iter_in=1 dst_out=1 src_out=1 push_next
store buf=out idx=0 addr=@out ysize=4 xsize=2 xstride=2 pop_prev
finish
