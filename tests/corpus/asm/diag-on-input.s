; expect: 2:54: error: diag=1: 'inp' has no diagonal loads (only a weight scratchpad whose element has several rows and columns); expected diag=0
load buf=inp ysize=1 xsize=1 xstride=1 values=3 diag=1
