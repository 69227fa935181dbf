; expect: 3:9: error: 300 does not fit in 1 byte; expected -128 to 255
.segment x input size=4
.data 1 300
