; expect: 2:35: error: iter_in=0 is outside 1 to 16383 (isa.max_loop_extent)
gemm uop_end=1 iter_out=1 iter_in=0
