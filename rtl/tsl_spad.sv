// A scratchpad: WP synchronous write ports (a later port wins on the same
// address) and RP asynchronous read ports, each port a slice of the flat
// vectors.  Asynchronous reads let a beat read what the previous cycle's
// beat wrote (an accumulation into the same tile in consecutive micro-ops).
module tsl_spad #(
    parameter int DEPTH = 16,
    parameter int W = 8,
    parameter int WP = 1,
    parameter int RP = 2,
    parameter int AW = DEPTH > 1 ? $clog2(DEPTH) : 1
) (
    input  logic             clk,
    input  logic [WP-1:0]    we,
    input  logic [WP*AW-1:0] waddr,
    input  logic [WP*W-1:0]  wdata,
    input  logic [RP*AW-1:0] raddr,
    output logic [RP*W-1:0]  rdata
);
  logic [W-1:0] mem[DEPTH];
  always_ff @(posedge clk)
    for (int p = 0; p < WP; p++) if (we[p]) mem[waddr[p*AW+:AW]] <= wdata[p*W+:W];
  // a loop, not a generate: each port's slice is assigned on its own
  // (Verilator builds a generate's slices by concatenation, quadratic in RP)
  always_comb for (int p = 0; p < RP; p++) rdata[p*W+:W] = mem[raddr[p*AW+:AW]];
endmodule
