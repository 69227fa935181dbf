; expect: 3:10: error: segment 'x' is already defined
.segment x input size=4
.segment x output size=4
