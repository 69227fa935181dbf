; expect: 2:26: error: micro-op range 3..3 is empty or past the micro-op buffer; expected uop_begin < uop_end <= 8192
gemm uop_begin=3 uop_end=3 iter_out=1 iter_in=1
