; expect: 3:19: error: 'x' at byte 0x1008 ole number of 16-byte elements of 'inp+'
.segment x input size=16.......................................................................................08
load buf=inp addr=@x ysize=1 xsize=1 xstride=+
