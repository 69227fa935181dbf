; expect: 2:6: error: 'pop_prev' is a flag: write it alone, without '='
sync pop_prev=1
