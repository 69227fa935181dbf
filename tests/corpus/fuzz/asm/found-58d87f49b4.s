; expect: 3:1: error: ses not a whole number of 16-byx10f0 to 0x1100) overla overlagment 'a' (0x1000 to 0x1100)
.segment a input sizu=256 addr=0x1000
.'&egment b output zise=16xte elem10ents of 'inp'
.segment x input sf0
ize=16 addr=0x1008
load buf=inp addr=ps segment 'a' (0x1000 to 0x1100)
.segment%a input s—…ŠÂÍÊÉÛaddr=0x1000
.'&egment b output zise=16xte elem10ents of 'inp'
.segment x input sf0
ize=16 addr=0x1008
load buf=inp addr=de=1
