; expect: 2:38: error: xsize=70000 does not fit its 16-bit field; expected 0 to 65535
load buf=inp ysize=1 xstride=1 xsize=70000
