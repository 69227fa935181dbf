// An instruction queue: DEPTH entries of W bits, written at the tail by
// fetch, read at the head by its module.  The head is visible without a
// cycle of delay, so an instruction dispatched at cycle d can start at d+1.
module tsl_fifo #(
    parameter int DEPTH = 4,
    parameter int W = 8,
    parameter int AW = DEPTH > 1 ? $clog2(DEPTH) : 1,
    parameter int CW = $clog2(DEPTH + 1)
) (
    input  logic          clk,
    input  logic          rst,
    input  logic          push,
    input  logic [W-1:0]  din,
    input  logic          pop,
    output logic [W-1:0]  head,
    output logic [CW-1:0] count
);
  logic [W-1:0] mem[DEPTH];
  logic [AW-1:0] rd, wr;
  function automatic logic [AW-1:0] inc(input logic [AW-1:0] p);
    inc = p == AW'(DEPTH - 1) ? '0 : p + 1'b1;
  endfunction
  always_ff @(posedge clk) begin
    if (push) mem[wr] <= din;
    if (rst) begin
      rd <= '0;
      wr <= '0;
      count <= '0;
    end else begin
      if (push) wr <= inc(wr);
      if (pop) rd <= inc(rd);
      count <= count + CW'(push) - CW'(pop);
    end
  end
  assign head = mem[rd];
endmodule
