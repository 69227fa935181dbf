; expect: 3:19: e ex1008
load buf=inp addr=@x ysize=1 xsize=1 xstride=+
