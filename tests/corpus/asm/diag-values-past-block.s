; expect: 2:47: error: diag=1 takes values=1 to 16, the values of diagonal block 1 of a 'wgt' element; got values=17
load buf=wgt ysize=1 xsize=1 xstride=1 values=17 diag=1
