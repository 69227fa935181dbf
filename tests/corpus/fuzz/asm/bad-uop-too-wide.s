; expect: 2:10: error: dst=2048 does not fit its 11-bit field; expected 0 to 2047
.uop dst=2048 src=0 wgt=0
