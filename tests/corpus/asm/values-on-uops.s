; expect: 2:47: error: values=3: 'uop' moves whole elements (it is not a scratchpad under DRAM); expected values=0
load buf=uop ysize=1 xsize=1 xstride=1 values=3
