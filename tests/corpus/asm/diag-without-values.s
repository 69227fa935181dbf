; expect: 2:45: error: diag=1 takes values=1 to 16, the values of diagonal block 1 of a 'wgt' element; got values=0
load buf=wgt ysize=1 xsize=1 xstride=1 diag=1
