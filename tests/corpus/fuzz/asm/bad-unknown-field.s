; expect: 2:43: error: unknown field 'wgt_in' for 'alu'; expected one of: pop_prev, pop_next, push_prev, push_next, uop_begin, uop_end, iter_out, iter_in, dst_out, dst_in, src_out, src_in, op, use_imm, imm
alu op=add uop_end=1 iter_out=1 iter_in=1 wgt_in=2
