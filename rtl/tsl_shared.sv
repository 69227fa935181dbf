// The shared level between DRAM and the scratchpads: a memory of its
// elements (words).  The load module's DMA lanes write whole words (a load
// of the shared level from DRAM) or read scratchpad elements (loads of the
// input and weight scratchpads); the compute module's lanes read the
// accumulator's and micro-op buffer's elements; the store module's lanes
// read whole words (a store of the shared level to DRAM) or write output
// elements (a store of the output buffer).  A scratchpad element is one or
// more whole words, or a part of one (rtl/support.c refuses other sizes),
// so a lane touches the words of one element, at the element's byte address.
`include "tessel_isa.vh"

module tsl_shared #(
    parameter int LL = 1,  // lanes of the load module's DMA
    parameter int CL = 1,  // of the compute module's
    parameter int SL = 1,  // of the store module's
    parameter int MAXW = `TSL_MAX_BITS,
    parameter int IW = `TSL_LOAD_IDX_W,
    parameter int E = `TSL_SHARED_ELEM_BYTES,
    parameter int OUT_BYTES = `TSL_OUTPUT_ELEM_BYTES
) (
    input  logic                 clk,
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [LL-1:0]        l_we,     // lane j writes word l_widx[j]
    input  logic [LL*IW-1:0]     l_widx,
    input  logic [LL*MAXW-1:0]   l_wdata,
    input  logic [LL*64-1:0]     l_raddr,  // lane j reads the element at this byte address
    output logic [LL*MAXW-1:0]   l_rdata,
    input  logic [CL*64-1:0]     c_raddr,
    output logic [CL*MAXW-1:0]   c_rdata,
    input  logic [SL*IW-1:0]     s_ridx,   // lane j reads word s_ridx[j]
    output logic [SL*E*8-1:0]    s_rdata,
    input  logic [SL-1:0]        s_we,     // lane j writes an output element at byte s_waddr[j]
    input  logic [SL*64-1:0]     s_waddr,
    input  logic [SL*OUT_BYTES*8-1:0] s_wdata
    /* verilator lint_on UNUSEDSIGNAL */
);
  localparam int SW = E * 8, OW = OUT_BYTES * 8;
  localparam int DEPTH = `TSL_SHARED_DEPTH, AW = DEPTH > 1 ? $clog2(DEPTH) : 1;
  /* verilator coverage_off */  // elaboration only
  function automatic int most(input int a, input int b);
    most = a > b ? a : b;
  endfunction
  /* verilator coverage_on */
  // Lanes that read scratchpad elements, and words each spans: the load
  // module's (input, weight), then the compute module's (accumulator,
  // micro-ops).
  localparam int RLL = most(`TSL_INPUT_LANES, `TSL_WEIGHT_LANES), RCL = most(`TSL_ACCUMULATOR_LANES, `TSL_UOP_LANES);
  localparam int NRL = most(1, most(`TSL_INPUT_ELEM_BYTES, `TSL_WEIGHT_ELEM_BYTES) / E);
  localparam int NRC = most(1, most(`TSL_ACCUMULATOR_ELEM_BYTES, `TSL_UOP_ELEM_BYTES) / E);
  localparam int CP = RLL * NRL;  // the first port of the compute module's lanes
  localparam int SP = CP + RCL * NRC;  // of the store module's
  // words an output element spans; a part of one is merged into the word read
  localparam int NW = OUT_BYTES > E ? OUT_BYTES / E : 1;
  localparam bit PART = OUT_BYTES < E;
  localparam int RP = SP + SL + (PART ? SL : 0);
  localparam int WP = LL + SL * NW;

  logic [RP*AW-1:0] raddr;
  logic [RP*SW-1:0] rdata;
  logic [WP-1:0] we;
  logic [WP*AW-1:0] waddr;
  logic [WP*SW-1:0] wdata;
  tsl_spad #(
      .DEPTH(DEPTH),
      .W(SW),
      .WP(WP),
      .RP(RP)
  ) u_mem (
      .clk(clk),
      .we(we),
      .waddr(waddr),
      .wdata(wdata),
      .raddr(raddr),
      .rdata(rdata)
  );

  // Element reads: the element's words, shifted to its byte in the word.
  // Loops, not generates: each slice is assigned on its own (Verilator
  // builds a generate's slices by concatenation, quadratic in the ports).
  function automatic logic [AW-1:0] word(input logic [63:0] a, input int i);
    word = AW'(a / 64'(E) + 64'(i));
  endfunction
  function automatic logic [63:0] shift(input logic [63:0] a);
    shift = 8 * (a % 64'(E));
  endfunction
  always_comb begin
    raddr = '0;
    for (int j = 0; j < RLL; j++)
      for (int i = 0; i < NRL; i++) raddr[(j*NRL+i)*AW+:AW] = word(l_raddr[j*64+:64], i);
    for (int j = 0; j < RCL; j++)
      for (int i = 0; i < NRC; i++) raddr[(CP+j*NRC+i)*AW+:AW] = word(c_raddr[j*64+:64], i);
    for (int j = 0; j < SL; j++) raddr[(SP+j)*AW+:AW] = AW'(s_ridx[j*IW+:IW]);  // words a store reads
    if (PART) for (int j = 0; j < SL; j++) raddr[(SP+SL+j)*AW+:AW] = word(s_waddr[j*64+:64], 0);  // to merge into
  end
  always_comb begin
    /* verilator lint_off WIDTHCONCAT */
    l_rdata = '0;  // lanes that read no scratchpad element (a wide zero, not a mistake)
    c_rdata = '0;
    /* verilator lint_on WIDTHCONCAT */
    for (int j = 0; j < RLL; j++)
      l_rdata[j*MAXW+:MAXW] = MAXW'(rdata[j*NRL*SW+:NRL*SW]) >> shift(l_raddr[j*64+:64]);
    for (int j = 0; j < RCL; j++)
      c_rdata[j*MAXW+:MAXW] = MAXW'(rdata[(CP+j*NRC)*SW+:NRC*SW]) >> shift(c_raddr[j*64+:64]);
    for (int j = 0; j < SL; j++) s_rdata[j*SW+:SW] = rdata[(SP+j)*SW+:SW];
  end

  // Writes: whole words of the load lanes, then the output elements of the
  // store lanes (whole words, or a part of one merged into the word as it is).
  always_comb begin
    logic [SW-1:0] mask;
    we = '0;
    waddr = '0;
    wdata = '0;
    for (int j = 0; j < LL; j++) begin
      we[j] = l_we[j];
      waddr[j*AW+:AW] = AW'(l_widx[j*IW+:IW]);
      wdata[j*SW+:SW] = l_wdata[j*MAXW+:SW];
    end
    for (int j = 0; j < SL; j++)
      for (int i = 0; i < NW; i++) begin
        we[LL+j*NW+i] = s_we[j];
        waddr[(LL+j*NW+i)*AW+:AW] = word(s_waddr[j*64+:64], i);
        if (PART) begin
          mask = SW'({OW{1'b1}}) << shift(s_waddr[j*64+:64]);
          wdata[(LL+j)*SW+:SW] = (rdata[(SP+SL+j)*SW+:SW] & ~mask) |
              ((SW'(s_wdata[j*OW+:OW]) << shift(s_waddr[j*64+:64])) & mask);
        end else wdata[(LL+j*NW+i)*SW+:SW] = s_wdata[j*OW+i*SW+:SW];
      end
  end
endmodule
