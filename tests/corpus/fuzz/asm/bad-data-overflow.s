; expect: 3:15: error: data overflows segment 'x' (4 bytes)
.segment x input size=4
.data 1 2 3 4 5
