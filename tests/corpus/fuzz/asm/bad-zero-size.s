; expect: 2:1: error: ysize must be at least 1 (use sync for a transfer-free token exchange)
load buf=inp xsize=1
