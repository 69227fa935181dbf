; expect: 3:1: error: segment 'b' (0x10f0 to 0x1100) overlaps segment 'a' (0x1000 to 0x1100)
.segment a input size=256 addr=0x1000
.segment b output size=16 addr=0x10f0
