`include "tessel_isa.vh"

// The store DMA: reads ysize*xsize consecutive elements of the output
// buffer from idx, one per cycle from the start cycle, and writes row r to
// DRAM from element addr + r*xstride.
module tsl_dma_store (
    input  logic                       clk,
    input  logic                       rst,
    input  logic                       start,
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [`TSL_INSN_BITS-1:0]  insn,
    /* verilator lint_on UNUSEDSIGNAL */
    output logic                       re,
    output logic [`TSL_STORE_IDX_W-1:0] ridx,
    output logic [63:0]                waddr,
    output logic [15:0]                wbytes
);
  typedef logic [31:0] u32;
  logic [`TSL_STORE_IDX_W-1:0] idx_r, idx_v, n_r, n_v;
  u32 xsize_r, xsize_v, ysize_r, ysize_v, xstride_r, xstride_v, x_r, x_v, y_r, y_v;
  logic [63:0] row_r, row_v;
  logic act_r, act_v;
  always_comb begin
    if (start) begin
      idx_v = insn[`TSL_STORE_IDX_LSB+:`TSL_STORE_IDX_W];
      xsize_v = 32'(insn[`TSL_STORE_XSIZE_LSB+:`TSL_STORE_XSIZE_W]);
      ysize_v = 32'(insn[`TSL_STORE_YSIZE_LSB+:`TSL_STORE_YSIZE_W]);
      xstride_v = 32'(insn[`TSL_STORE_XSTRIDE_LSB+:`TSL_STORE_XSTRIDE_W]);
      row_v = 64'(insn[`TSL_STORE_ADDR_LSB+:`TSL_STORE_ADDR_W]);
      x_v = 0;
      y_v = 0;
      n_v = 0;
      act_v = xsize_v != 0 && ysize_v != 0;
    end else begin
      idx_v = idx_r;
      xsize_v = xsize_r;
      ysize_v = ysize_r;
      xstride_v = xstride_r;
      row_v = row_r;
      x_v = x_r;
      y_v = y_r;
      n_v = n_r;
      act_v = act_r;
    end
  end
  logic last_x, last;
  assign last_x = x_v + 1 == xsize_v;
  assign last = last_x && y_v + 1 == ysize_v;
  assign re = act_v;
  assign ridx = idx_v + n_v;
  assign waddr = (row_v + 64'(x_v)) * 64'(`TSL_OUTPUT_ELEM_BYTES);
  assign wbytes = 16'(`TSL_OUTPUT_ELEM_BYTES);
  always_ff @(posedge clk) begin
    if (rst) act_r <= 1'b0;
    else begin
      idx_r <= idx_v;
      xsize_r <= xsize_v;
      ysize_r <= ysize_v;
      xstride_r <= xstride_v;
      act_r <= act_v && !last;
      n_r <= n_v + 1'b1;
      x_r <= last_x ? 0 : x_v + 1;
      y_r <= last_x ? y_v + 1 : y_v;
      row_r <= last_x ? row_v + 64'(xstride_v) : row_v;
    end
  end
endmodule
