; expect: 2:1: error: unknown directive '.word'; expected .layout, .segment, .data, .i16, .i32, .f32 or .uop
.word 1
