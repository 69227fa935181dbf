; expect: 2:10: error: buffer 'out' is the output buffer, written by compute; it cannot be loaded
load buf=out ysize=1 xsize=1
