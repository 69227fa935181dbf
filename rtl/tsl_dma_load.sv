// The load DMA: a 2D strided transfer from DRAM into a scratchpad with zero
// padding, one element per cycle, the first in the cycle the instruction
// starts (so it is done within the port time, docs/microarch.md).  The
// walk is over the padded block: Y' rows of X' elements; elements in the
// padding are written as zeros without reading DRAM.
`include "tessel_isa.vh"

module tsl_dma_load (
    input  logic                        clk,
    input  logic                        rst,
    input  logic                        start,
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [`TSL_INSN_BITS-1:0]   insn,
    /* verilator lint_on UNUSEDSIGNAL */
    // the element of this cycle
    output logic                        we,
    output logic [`TSL_LOAD_BUF_W-1:0]  wbuf,
    output logic [`TSL_LOAD_IDX_W-1:0]  widx,
    output logic                        wzero,     // padding
    output logic [63:0]                 raddr,     // DRAM byte address when !wzero
    output logic [15:0]                 rbytes
);
  typedef logic [31:0] u32;
  // the transfer, from the instruction at start, else from the registers
  logic [`TSL_LOAD_BUF_W-1:0] buf_r, buf_v;
  logic [`TSL_LOAD_IDX_W-1:0] idx_r, idx_v;
  u32 ysize_r, xsize_r, xstride_r, ypad0_r, xpad0_r, xw_r, yh_r;
  u32 ysize_v, xsize_v, xstride_v, ypad0_v, xpad0_v, xw_v, yh_v;
  u32 x_r, y_r, x_v, y_v;
  logic [63:0] row_r, row_v;  // element address of the current source row
  logic [`TSL_LOAD_IDX_W-1:0] n_r, n_v;
  logic act_r, act_v;

  always_comb begin
    if (start) begin
      buf_v = insn[`TSL_LOAD_BUF_LSB+:`TSL_LOAD_BUF_W];
      idx_v = insn[`TSL_LOAD_IDX_LSB+:`TSL_LOAD_IDX_W];
      ysize_v = 32'(insn[`TSL_LOAD_YSIZE_LSB+:`TSL_LOAD_YSIZE_W]);
      xsize_v = 32'(insn[`TSL_LOAD_XSIZE_LSB+:`TSL_LOAD_XSIZE_W]);
      xstride_v = 32'(insn[`TSL_LOAD_XSTRIDE_LSB+:`TSL_LOAD_XSTRIDE_W]);
      ypad0_v = 32'(insn[`TSL_LOAD_YPAD0_LSB+:`TSL_LOAD_YPAD0_W]);
      xpad0_v = 32'(insn[`TSL_LOAD_XPAD0_LSB+:`TSL_LOAD_XPAD0_W]);
      xw_v = xsize_v + xpad0_v + 32'(insn[`TSL_LOAD_XPAD1_LSB+:`TSL_LOAD_XPAD1_W]);
      yh_v = ysize_v + ypad0_v + 32'(insn[`TSL_LOAD_YPAD1_LSB+:`TSL_LOAD_YPAD1_W]);
      row_v = 64'(insn[`TSL_LOAD_ADDR_LSB+:`TSL_LOAD_ADDR_W]);
      x_v = 0;
      y_v = 0;
      n_v = 0;
      act_v = xw_v != 0 && yh_v != 0;
    end else begin
      buf_v = buf_r;
      idx_v = idx_r;
      ysize_v = ysize_r;
      xsize_v = xsize_r;
      xstride_v = xstride_r;
      ypad0_v = ypad0_r;
      xpad0_v = xpad0_r;
      xw_v = xw_r;
      yh_v = yh_r;
      row_v = row_r;
      x_v = x_r;
      y_v = y_r;
      n_v = n_r;
      act_v = act_r;
    end
  end

  logic ydata, xdata, last_x, last;
  logic [63:0] src;
  assign ydata = y_v >= ypad0_v && y_v < ypad0_v + ysize_v;
  assign xdata = x_v >= xpad0_v && x_v < xpad0_v + xsize_v;
  assign last_x = x_v + 1 == xw_v;
  assign last = last_x && y_v + 1 == yh_v;
  assign src = row_v + 64'(x_v) - 64'(xpad0_v);

  function automatic logic [31:0] elem_bytes(input logic [`TSL_LOAD_BUF_W-1:0] b);
    elem_bytes = b == `TSL_INPUT_LEVEL ? `TSL_INPUT_ELEM_BYTES : b == `TSL_WEIGHT_LEVEL ? `TSL_WEIGHT_ELEM_BYTES :
        b == `TSL_ACCUMULATOR_LEVEL ? `TSL_ACCUMULATOR_ELEM_BYTES : b == `TSL_OUTPUT_LEVEL ? `TSL_OUTPUT_ELEM_BYTES :
        `TSL_UOP_ELEM_BYTES;
  endfunction

  assign we = act_v;
  assign wbuf = buf_v;
  assign widx = idx_v + n_v;
  assign wzero = !(ydata && xdata);
  assign raddr = src * 64'(elem_bytes(buf_v));
  assign rbytes = 16'(elem_bytes(buf_v));

  always_ff @(posedge clk) begin
    if (rst) act_r <= 1'b0;
    else begin
      buf_r <= buf_v;
      idx_r <= idx_v;
      ysize_r <= ysize_v;
      xsize_r <= xsize_v;
      xstride_r <= xstride_v;
      ypad0_r <= ypad0_v;
      xpad0_r <= xpad0_v;
      xw_r <= xw_v;
      yh_r <= yh_v;
      act_r <= act_v && !last;
      n_r <= n_v + 1'b1;
      x_r <= last_x ? 0 : x_v + 1;
      y_r <= last_x ? y_v + 1 : y_v;
      row_r <= last_x && ydata ? row_v + 64'(xstride_v) : row_v;
    end
  end
endmodule
