; expect: 2:47: error: values=3: 'wgt' moves whole elements (its element is not one row of values); expected values=0
load buf=wgt ysize=1 xsize=1 xstride=1 values=3
