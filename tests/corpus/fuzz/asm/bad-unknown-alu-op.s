; expect: 2:8: error: unknown op 'relu'; expected one of: min, max, add, shr, mul, clip, mov
alu op=relu uop_end=1 iter_out=1 iter_in=1
