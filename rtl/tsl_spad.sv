// A scratchpad: one synchronous write port, two asynchronous read ports.
// Asynchronous reads let a beat read what the previous cycle's beat wrote
// (an accumulation into the same tile in consecutive micro-ops).
module tsl_spad #(
    parameter int DEPTH = 16,
    parameter int W = 8,
    parameter int AW = $clog2(DEPTH)
) (
    input  logic          clk,
    input  logic          we,
    input  logic [AW-1:0] waddr,
    input  logic [W-1:0]  wdata,
    input  logic [AW-1:0] raddr0,
    output logic [W-1:0]  rdata0,
    input  logic [AW-1:0] raddr1,
    output logic [W-1:0]  rdata1
);
  logic [W-1:0] mem[DEPTH];
  always_ff @(posedge clk) if (we) mem[waddr] <= wdata;
  assign rdata0 = mem[raddr0];
  assign rdata1 = mem[raddr1];
endmodule
