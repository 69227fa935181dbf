// The DMA of a load or a store: a 2D strided transfer between a buffer and
// its parent level (DRAM or the shared level).  It walks the buffer's block
// in order, Y' rows of X' elements (the padding of a load included; a store
// has none), `lanes` elements per cycle from the cycle the instruction
// starts, so that it is done within the port time (docs/microarch.md:
// lanes = bandwidth / element bytes, rounded up).  Per lane: the buffer
// element, whether it is padding (a zero, nothing read from the parent), and
// the parent byte address of the element: row r, column c of the data is
// parent element addr + r*xstride + c.  A narrow transfer (`values` > 0)
// moves each element's first `values` values, packed in the parent, which
// it addresses in values: element c of row r is at value
// addr + r*xstride + c*values; a lane moves those values' bytes (`unit`; a
// load's DRAM port zero-fills the rest of the element).  A diagonal load
// (`diag` > 0) is a narrow one whose values the load module puts on a
// diagonal block of the element (tsl_core.sv); here it is only carried along.
`include "tessel_isa.vh"

module tsl_dma #(
    parameter int LN = `TSL_MAX_LANES,
    parameter int BW = `TSL_LOAD_BUF_W,
    parameter int IW = `TSL_LOAD_IDX_W
) (
    input  logic              clk,
    input  logic              rst,
    input  logic              start,
    input  logic              is_store,  // insn is a store (else a load)
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [`TSL_INSN_BITS-1:0] insn,
    /* verilator lint_on UNUSEDSIGNAL */
    output logic [BW-1:0]     buffer,    // the transfer's buffer
    output logic [LN-1:0]     en,        // lane j moves an element in this cycle
    output logic [LN*IW-1:0]  idx,       // its buffer element
    output logic [LN-1:0]     zero,      // it is padding
    output logic [LN*64-1:0]  paddr,     // its parent byte address (not padding)
    output logic [15:0]       unit,      // bytes of an element in the parent
    output logic [15:0]       diag       // a diagonal load's block (0: none)
);
  typedef logic [31:0] u32;
  typedef logic [63:0] u64;
  // the transfer, from the instruction at start, else from the registers
  logic [BW-1:0] buf_r, buf_v;
  logic [IW-1:0] idx_r, idx_v;
  u32 ysize_r, xsize_r, xstride_r, ypad0_r, xpad0_r, xw_r, lanes_r, unit_r, step_r, scale_r;
  u32 ysize_v, xsize_v, xstride_v, ypad0_v, xpad0_v, xw_v, lanes_v, unit_v, step_v, scale_v, vals_v;
`ifdef TSL_LOAD_DIAG_W
  localparam int DGW = `TSL_LOAD_DIAG_W;
`else
  localparam int DGW = 1;  // no diagonal loads: a register that stays 0
`endif
  logic [DGW-1:0] diag_r, diag_v;
  u64 total_r, total_v, n_r, n_v;
  u32 x_r, y_r;
  u64 row_r;  // parent element of the current data row
  logic act_r, act_v;

  // per level (a transfer's buf): its DMA lanes and element bytes
  localparam logic [(2**BW)*32-1:0] LANES = `TSL_LEVEL_LANES, ELEM_BYTES = `TSL_LEVEL_ELEM_BYTES;
  localparam logic [(2**BW)*32-1:0] VALUE_BYTES = `TSL_LEVEL_VALUE_BYTES;

  u32 yh;
  always_comb begin
    if (start && !is_store) begin
      buf_v = insn[`TSL_LOAD_BUF_LSB+:`TSL_LOAD_BUF_W];
      idx_v = insn[`TSL_LOAD_IDX_LSB+:`TSL_LOAD_IDX_W];
      ysize_v = 32'(insn[`TSL_LOAD_YSIZE_LSB+:`TSL_LOAD_YSIZE_W]);
      xsize_v = 32'(insn[`TSL_LOAD_XSIZE_LSB+:`TSL_LOAD_XSIZE_W]);
      xstride_v = 32'(insn[`TSL_LOAD_XSTRIDE_LSB+:`TSL_LOAD_XSTRIDE_W]);
      ypad0_v = 32'(insn[`TSL_LOAD_YPAD0_LSB+:`TSL_LOAD_YPAD0_W]);
      xpad0_v = 32'(insn[`TSL_LOAD_XPAD0_LSB+:`TSL_LOAD_XPAD0_W]);
      xw_v = xsize_v + xpad0_v + 32'(insn[`TSL_LOAD_XPAD1_LSB+:`TSL_LOAD_XPAD1_W]);
      yh = ysize_v + ypad0_v + 32'(insn[`TSL_LOAD_YPAD1_LSB+:`TSL_LOAD_YPAD1_W]);
`ifdef TSL_LOAD_VALUES_W
      vals_v = 32'(insn[`TSL_LOAD_VALUES_LSB+:`TSL_LOAD_VALUES_W]);
`else
      vals_v = 0;
`endif
`ifdef TSL_LOAD_DIAG_W
      diag_v = insn[`TSL_LOAD_DIAG_LSB+:`TSL_LOAD_DIAG_W];
`else
      diag_v = 0;
`endif
    end else begin
      buf_v = BW'(insn[`TSL_STORE_BUF_LSB+:`TSL_STORE_BUF_W]);
      idx_v = IW'(insn[`TSL_STORE_IDX_LSB+:`TSL_STORE_IDX_W]);
      ysize_v = 32'(insn[`TSL_STORE_YSIZE_LSB+:`TSL_STORE_YSIZE_W]);
      xsize_v = 32'(insn[`TSL_STORE_XSIZE_LSB+:`TSL_STORE_XSIZE_W]);
      xstride_v = 32'(insn[`TSL_STORE_XSTRIDE_LSB+:`TSL_STORE_XSTRIDE_W]);
      ypad0_v = 0;
      xpad0_v = 0;
      xw_v = xsize_v;
      yh = ysize_v;
`ifdef TSL_STORE_VALUES_W
      vals_v = 32'(insn[`TSL_STORE_VALUES_LSB+:`TSL_STORE_VALUES_W]);
`else
      vals_v = 0;
`endif
      diag_v = 0;
    end
    lanes_v = LANES[buf_v*32+:32];
    // addr's units between elements, bytes per unit, bytes per element
    step_v = vals_v != 0 ? vals_v : 1;
    scale_v = vals_v != 0 ? VALUE_BYTES[buf_v*32+:32] : ELEM_BYTES[buf_v*32+:32];
    unit_v = step_v * scale_v;
    total_v = 64'(xw_v) * 64'(yh);
    if (!start) begin
      buf_v = buf_r;
      idx_v = idx_r;
      ysize_v = ysize_r;
      xsize_v = xsize_r;
      xstride_v = xstride_r;
      ypad0_v = ypad0_r;
      xpad0_v = xpad0_r;
      xw_v = xw_r;
      lanes_v = lanes_r;
      unit_v = unit_r;
      step_v = step_r;
      scale_v = scale_r;
      total_v = total_r;
      diag_v = diag_r;
    end
    n_v = start ? 0 : n_r;
    act_v = start ? total_v != 0 : act_r;
  end

  // lane j's position: the walk stepped j times from the cycle's first element
  // (a chain through one array: Verilator cannot order it finer, which is
  // only slower)
  /* verilator lint_off UNOPTFLAT */
  u32 px[LN+1], py[LN+1];
  u64 prow[LN+1];
  assign px[0] = start ? 0 : x_r;
  assign py[0] = start ? 0 : y_r;
  assign prow[0] = !start ? row_r : is_store ? 64'(insn[`TSL_STORE_ADDR_LSB+:`TSL_STORE_ADDR_W]) :
      64'(insn[`TSL_LOAD_ADDR_LSB+:`TSL_LOAD_ADDR_W]);
  for (genvar j = 0; j < LN; j++) begin : g_lane
    logic ydata, xdata, last_x;
    assign ydata = py[j] >= ypad0_v && py[j] < ypad0_v + ysize_v;
    assign xdata = px[j] >= xpad0_v && px[j] < xpad0_v + xsize_v;
    assign last_x = px[j] + 1 == xw_v;
    assign px[j+1] = last_x ? 0 : px[j] + 1;
    assign py[j+1] = last_x ? py[j] + 1 : py[j];
    assign prow[j+1] = last_x && ydata ? prow[j] + 64'(xstride_v) : prow[j];
    assign en[j] = act_v && 32'(j) < lanes_v && n_v + 64'(j) < total_v;
    assign idx[j*IW+:IW] = idx_v + IW'(n_v) + IW'(j);
    assign zero[j] = !(ydata && xdata);
    assign paddr[j*64+:64] = (prow[j] + (64'(px[j]) - 64'(xpad0_v)) * 64'(step_v)) * 64'(scale_v);
  end
  /* verilator lint_on UNOPTFLAT */
  assign buffer = buf_v;
  assign unit = 16'(unit_v);
  assign diag = 16'(diag_v);

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
      lanes_r <= lanes_v;
      unit_r <= unit_v;
      step_r <= step_v;
      scale_r <= scale_v;
      total_r <= total_v;
      diag_r <= diag_v;
      act_r <= act_v && n_v + 64'(lanes_v) < total_v;
      n_r <= n_v + 64'(lanes_v);
      x_r <= px[lanes_v];
      y_r <= py[lanes_v];
      row_r <= prow[lanes_v];
    end
  end
endmodule
