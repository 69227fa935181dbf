; expect: 2:30: error: field 'xsize' given twice (first at column 22)
load buf=inp ysize=1 xsize=1 xsize=2
