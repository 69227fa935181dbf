; expect: 2:11: error: buffer 'inp' cannot be stored; stores read the output buffer or a shared level
store buf=inp ysize=1 xsize=1
