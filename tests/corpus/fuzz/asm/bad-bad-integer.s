; expect: 2:20: error: expected an integer (decimal or 0x hex), got '1x'
load buf=inp ysize=1x xsize=1 xstride=1
