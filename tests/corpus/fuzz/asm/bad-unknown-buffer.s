; expect: 2:10: error: unknown buf 'input'; expected one of: inp, wgt, acc, out, uop
load buf=input ysize=1 xsize=1
