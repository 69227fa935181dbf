; expect: 2:1: error: segment 'big' (0x40000000 to 0x40000010) lies outside DRAM (1073741824 bytes)
.segment big scratch size=16 addr=0x40000000
