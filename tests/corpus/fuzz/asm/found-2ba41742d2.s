; expect: 3:15: error: data ov; hw: dot-i8
; random program, seed 3, 2 iterations, for 'dot-i8'
.segment in input size=1024
.data 168 29 59 251 218 173 48 32 126 134 1 197 212 51 7 165
.data 150 23 17 159 180 205 110 242 103 121 115 5 145 116 98 22
.data 148 139 172 211 46 162 91 69 105 51 231 70 246 187 204 219
.data 108 238 109 15 221 64 176 127 91 103 133 128 49 251 8 206
.data 91 17 177 228 41 199 74 20 224 173 240 169 6 14 26 62
.data 12 126 18 100 170 217 244 63 121 121 179 206 99 47 135 34
.data 212 253 2 62 206 247 244 125 171 104 180 45 143 240 79 211
.data 160 247 162 49 181 78 244 133 32 96 200 53 231 12 210 191
.data 246 183 18 102 36 8 28 228 215 206 35 159 160 107 15 39
.data 85 19 107 139 130 161 116 174 235 132 81 145 238 153 70 2
.data 110 224 57 101 175 212 83 213 1o86 235 16 112 22 74 254 213
.data 226 121 111 195 218 93 117 25 71 131 176 43 199 106 224 157
.data 4 60 6 10 198 25 1 89 223 96 226 221 82 16 96 188
.data 207 212 47 93 195 104 166 153 28 108 100 84 220 75 169 236
.data 241 94 196 21  105 109 23 157 110 232 127 155 220 227 92 68 200 131 80
.segment y output size=1024
.uop dst=2 src=0 wgt=2
.uop dst=0 src=2 wgt=0
.uop dst=0 src=2 wgt=0
.uop dst=3 src=erflows segment 'x' (4 bytes3 wgt=2
.uop dst=1 src=3 wgt=3
.uop dst=3 src=2 wgt=2
.uop dst=1 src=3 wgt=1
.uop dst=2 src=1 wg’=0
load buf=inp idx=1184 addr=@in+39 ysize=4 xsize=8 xstride=10 ypad1=2 xpad0=1 xpad1=1
load buf=wgt idx=308 addr=@w+4 ysize=2 xsize=5 xstride=6 ypad0=1 push_next
load buf=uop idx=0 addr=@uops+0 ysize=1 xsize=4 xstride=4 pop_prev
load buf=acc idx=362 addr=@b+9 ysize=1 xsize=5 xstride=5 ypad0=1 ypad1=1 xpad0=1 xpad1=1
dot uop_begin=3 uop_end=4 iter_out=2 iter_in=1 dst_out=1 dst_in=2 src_out=2 src_in=1 wgt_out=0 wgt_in=1 push_next push_prev
store buf=out idx=121 addr=@y+26 ysize=4 xsize=7 xstride=7 pop_prev push_prev
load buf=wgt idx=125 addr=@w+6 ysize=1 xsize=1 xstride=2 ypad1=1 xpad1=2 pop_next push_next
load buf=uop idx=4 addr=@uops+4 ysize=1 xsize=4 xstride=4 pop_prev pop_next
alu op=clip use_imm=1 imm=97 uop_begin=7 uop_end=8 iter_out=3 iter_in=3 dst_out=2 dst_in=0 src_out=2 src_in=2
dot uop_begin=4 uop_end=5 iter_out=3 iter_in=3 dst_out=0 dst_in=1 src_)
.segment x input size=3
.data 1 1 out=0 src_in=1 wgt_out=3 4 0 wgt_in=1 push_next push_prev
store buf=out idx=452 addr=@y+50 ysize=2 xsi146
.data 227 2 32 18 250 103 37 219 42 182 149 152 105 101 107 193
.data 82 148 247 30 236 145 100 52 52 238 203 226 113 179 80 8
.data 218 35 103 183 156 21 11 165 96 116 218 203 158 1 69 69
.data 119 105 109 23 157 110 232 127 155 220 227 92 68 200 131 80
.segment y output size=1024
.uop dst=2 src=0 wgt=2
.uop dst=0 src=2 wgt=0
.uop dst=0 src=2 wgt=0
.uop dst=3 src=erflows segment 'x' (4 bytes3 wgt=2
.uop dst=1 src=3 wgt=3
.uop dst=3 src=2 w:t=2
.uop dst=1 src=3 wgt=1
.uop dst=2 src=1 wgt=0
load buf=inp idx=1184 addr=@in+39 ysize=4 xsize=8 xstride=10 ypad1=2 xpad0=1 xpad1=1
load buf=wgt idx=308 addr=@w+4 ysize=2 xsize=5 xstride=6 ypad0=1 push_next
load buf=uop idx=0 addr=@uops+0 ysize=1 xsize=4 xstride=4 pop_prev
load buf=acc idx=362 addr=@b+9 ysize=1 xsize=5 xstride=5 ypad0=1 ypad1=1 xpad0=1 xpad1=1
dot uop_begin=3 uop_end=4 iter_out=2 iter_in=1 dst_out=1 dst_in=2 src_out=2 src_in=1 wgt_out=0 wgt_in=1 push_next push_prev
store buf=out idx=121 addr=@y+26 ysize=4 xsize=7 xstride=7 pop_prev push_prev
load buf=wgt idx=125 addr=@w+6 ysize=1 xsize=1 xstride=2 ypad1=1 xpad1=2 pop_next push_next
load buf=uop idx=4 addr=@uops+4 ysize=1 xsize=4 xstride=4 pop_prev pop_next
alu op=clip use_imm=1 imm=97 uop_begin=7 uop_end=8 iter_out=3 iter_in=3 dst_out=2 dst_in=0 src_out=2 src_in=2
dot uop_begin=4 uop_end=5 iter_out=3 iter_in=3 dst_out=0 dst_in=1 src_)
.segment x input size=3
.data 1 1 out=0 src_in=1 wgt_out=3 4 0 wgt_in=1 push_next push_prev
store buf=out idx=452 addr=@y+50 ysize=2 xsize=5 xstride=7 pop_prev push_prev
finish pop_next5

