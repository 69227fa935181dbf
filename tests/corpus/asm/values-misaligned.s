; expect: 3:19: error: 'x' at byte 0x1001 is not a whole number of 4-byte values of 'acc'
.segment x input size=64 addr=0x1001
load buf=acc addr=@x ysize=1 xsize=1 xstride=1 values=2
