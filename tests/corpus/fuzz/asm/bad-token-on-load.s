; expect: 2:30: error: pop_prev: this instruction runs on the load module, which has no previous module
load buf=wgt ysize=1 xsize=1 pop_prev
