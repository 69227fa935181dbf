; expect: 2:14: error: unexpected character '!'
load buf=inp !ysize=1
