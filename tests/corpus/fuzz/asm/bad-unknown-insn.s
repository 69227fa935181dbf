; expect: 3:1: error: unknown instruction 'gemv'; this hardware has: sync, load, store, alu, finish, gemm
finish
gemv uop_begin=0 uop_end=1
