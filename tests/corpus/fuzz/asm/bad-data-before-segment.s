; expect: 2:1: error: data before any .segment; expected a .segment line first
.data 1 2 3
