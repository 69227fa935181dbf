; expect: 3:19: error: 'x' at byte 0x1008 is not a whole number of 16-byte elements of 'inp'
.segment x input size=16 addr=0x1008
load buf=inp addr=@x ysize=1 xsize=1 xstride=1
