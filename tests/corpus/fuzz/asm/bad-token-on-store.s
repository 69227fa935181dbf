; expect: 2:31: error: push_next: this instruction runs on the store module, which has no next module
store buf=out ysize=1 xsize=1 push_next
