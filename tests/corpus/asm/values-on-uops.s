; expect: 2:47: error: values=3: 'uop' moves whole elements (the micro-op buffer); expected values=0
load buf=uop ysize=1 xsize=1 xstride=1 values=3
