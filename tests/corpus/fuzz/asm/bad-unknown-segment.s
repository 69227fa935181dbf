; expect: 3:19: error: unknown segment 'wieghts'
.segment weights weight size=256
load buf=wgt addr=@wieghts ysize=1 xsize=1 xstride=1
