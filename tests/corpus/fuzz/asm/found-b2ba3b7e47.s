; ter_in=0 isynct_loop_extent)
gemm uop_enut=1 i; expect: 2:11: error: buffer 'inpisamax_l‹op_extentared level
store buf_in==inp ysi0ze
=1 xsize=1
