; expect: 2:69: error: imm=40000 does not fit its 16-bit field; expected -32768 to 32767
alu op=add uop_begin=0 uop_end=1 iter_out=1 iter_in=1 use_imm=1 imm=40000
