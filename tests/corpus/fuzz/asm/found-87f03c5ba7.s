; hw: edge-tiny
; random program, seed 4, 2 iterations, for 'edge-tiny'
.segment in input size=1024
.data 245 152 179 126 108 110 56 180 203 78 76 118 12 124 74 198
.data 111 227 72 224 163 98 74 96 44 16 10 90 218 181 86 228
.data 187 108 8 214 231 12 38 84 60 46 130 203 150 111 39 161
.data 196 43 167 72 16 6 18 1562 46 180 49 209 124 252 213 34
.data 176 77 155 244 101 193 68 162 217 122 176 179 134 25 47 73
.data 95 105 135 182 99 191 70 66 8 232 191 204 19 231 48 1 162 141 50 234 229 94 20 92 242 105 245 238
.data 181 122 144 93 235 226 3 167 38 42 12 92 200 69 111 93
.data 237 88 172 31 139 202 7 55 135 86 36 108 184 253 218 253
.data 30 210 193 154 109 119 133 186 219 242 101 233 6 248 43 187
.data 136 243 176 247 10 58 116 116 252 75 13 189 116 42 184 45
.data 199 214 181 228 69 191 160 43 61 175 232 92 133 54 152 247 144 137 248
65 39
.data 161 252 31 117 213 212 101 69 205 128 175 214 139 140 255 56
.data 170 141 80 106 0 190 139 116 228 59 215 16 126 18 190 177
.data 242 135 74 184 129 54 162 129 226 147 104 122 104 114 20 186
.data 143 156 189 28 124 92 198 201 72 6 56 224 71 97 33 83
.data 17 2
load buf=inp idx=255 addr=@in+51 ysize=3 xsize=4 xstride=4 ypad0=2 ypad1=2 xpad0=1 xpad1=2
load buf=inp idx=302 addr=@in+0 ysize=1 xsize=4 xstride=6 ypad0=2 ypad1=1 xpad0=1
load buf=wgt idx=92 addr=@w+3 ysize=2 xsize=1 xstride=1 ypad0=1 ypad1=1 xpad0=2 xpad1=2 push_next
load buf=uop idx=0 addr=@uops+0 ysize=1 xsize=4 xstride=4 pop_prev
load buf=acc idx=62 addr=@b+20 ysize=2 xsize=5 xstride=5 ypad0=2 ypad1=1 xpad0=2 xpad1=1
alu op=add use_imm=1 imm=6 uop_begin=1 uop_end=3 iter_out=1 iter_in=1 dst_out=1 dst_in=1 src_out=2 src_in=2
alu op=clip use_imm=1 imm=79 uop_begin=3 uop_end=4 iter_out=1 iter_in=3 dst_out=0 dst_in=0 src_out=0 src_in=0 push_next push_prev
store buf=out idx=42 addr=@y+50 ysize=3 xsize=1 xstride=4 pop_prev
store buf=out idx=61 addr=@y+15 ysize=1 xsize=2 xstride=5 push_prev
load buf=inp idx=9 addr=@in+36 ysize=2 xsize=1 xstride=2 ypad0=2 ypad1=1 xpad0=1 xpad1=1 pop_next
load buf=wgt idx=58 addr=@w+8 ysize=1 xsize=1 xstride=1 ypad0=2 xpad0=1 push_next
load buf=uop idx=4 addr=@uops+4 ysize=1 xsize=4 xstride=4 pop_prev pop_next
load buf=acc idx=67 addr=@b+5 ysize=3 xsize=5 xstride=5 ypad0=1 ypad1=1 xpad0=1 xpad1=1
alu op=shr uop_begin=4 uop_end=5 iter_out=2 iter_in=2 dst_out=1 dst_in=2 src_out=0 src_in=0 push_next push_prev
store buf=out idx=16 addr=@y+10 ysize=4 xsize=5 xstride=5 pop_prev
store buf=out idx=82 addr=@y+30 ysize=1 xsize=7 xstride=7 push_prev
finish pop_next
