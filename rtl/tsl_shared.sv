// The shared level between DRAM and the scratchpads: a memory of its
// elements (words).  The load module's DMA lanes write whole words (a load
// of the shared level from DRAM) or read scratchpad elements (loads of the
// input and weight scratchpads); the compute module's lanes read the
// accumulator's and micro-op buffer's elements; the store module's lanes
// read whole words (a store of the shared level to DRAM) or write output
// elements (a store of the output buffer).
//
// A scratchpad element lies in the shared level at any byte address: a
// whole element at its index times the element bytes, but a narrow
// transfer's (docs/isa.md) addresses the shared level in values, so its
// `bytes` (values times value bytes) start at any byte, not aligned to a
// word or an element.  So a lane touches every word the bytes
// [addr, addr + bytes) reach: for B bytes at most (E - 1 + B - 1) / E + 1
// words (span below), one more than B / E when the bytes straddle a word
// boundary, more when an element is no whole number of words.  A read
// gives those bytes and zeros above them (a narrow load zero-fills the rest
// of the element, as the DRAM port does); a write merges them into the
// words as they are (read-modify-write), each word written only where the
// lane has bytes in it.
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
    input  logic [LL*64-1:0]     l_raddr,  // lane j reads l_bytes bytes at this byte address
    input  logic [15:0]          l_bytes,
    output logic [LL*MAXW-1:0]   l_rdata,
    input  logic [CL*64-1:0]     c_raddr,
    input  logic [15:0]          c_bytes,
    output logic [CL*MAXW-1:0]   c_rdata,
    input  logic [SL*IW-1:0]     s_ridx,   // lane j reads word s_ridx[j]
    output logic [SL*E*8-1:0]    s_rdata,
    input  logic [SL-1:0]        s_we,     // lane j writes s_bytes bytes of an output element at byte s_waddr[j]
    input  logic [SL*64-1:0]     s_waddr,
    input  logic [15:0]          s_bytes,
    input  logic [SL*OUT_BYTES*8-1:0] s_wdata
    /* verilator lint_on UNUSEDSIGNAL */
);
  localparam int SW = E * 8, OW = OUT_BYTES * 8;
  localparam int DEPTH = `TSL_SHARED_DEPTH, AW = DEPTH > 1 ? $clog2(DEPTH) : 1;
  /* verilator coverage_off */  // elaboration only
  function automatic int most(input int a, input int b);
    most = a > b ? a : b;
  endfunction
  // words that b bytes starting at any byte reach
  function automatic int span(input int b);
    span = (E - 1 + b - 1) / E + 1;
  endfunction
  /* verilator coverage_on */
  // Lanes that read scratchpad elements, and words each reaches: the load
  // module's (input, weight), then the compute module's (accumulator,
  // micro-ops); the store module's lanes that write output elements.
  localparam int RLL = most(`TSL_INPUT_LANES, `TSL_WEIGHT_LANES), RCL = most(`TSL_ACCUMULATOR_LANES, `TSL_UOP_LANES);
  localparam int NRL = span(most(`TSL_INPUT_ELEM_BYTES, `TSL_WEIGHT_ELEM_BYTES));
  localparam int NRC = span(most(`TSL_ACCUMULATOR_ELEM_BYTES, `TSL_UOP_ELEM_BYTES));
  localparam int OL = `TSL_OUTPUT_LANES, NS = span(OUT_BYTES);
  localparam int CP = RLL * NRL;  // the first read port of the compute module's lanes
  localparam int SP = CP + RCL * NRC;  // of the store module's word reads
  localparam int MP = SP + SL;  // of the words an output element is merged into
  localparam int RP = MP + OL * NS;
  localparam int WP = LL + OL * NS;

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

  // Element reads: the words the bytes reach, shifted down to the first
  // byte, the bytes past the element's zero.  Loops, not generates: each
  // slice is assigned on its own (Verilator builds a generate's slices by
  // concatenation, quadratic in the ports).
  function automatic logic [AW-1:0] word(input logic [63:0] a, input int i);
    word = AW'(a / 64'(E) + 64'(i));
  endfunction
  function automatic logic [63:0] shift(input logic [63:0] a);
    shift = 8 * (a % 64'(E));
  endfunction
  function automatic logic [MAXW-1:0] first_bytes(input logic [15:0] n);  // ones in the first n bytes
    first_bytes = ~({MAXW{1'b1}} << (32'(n) * 8));
  endfunction
  always_comb begin
    raddr = '0;
    for (int j = 0; j < RLL; j++)
      for (int i = 0; i < NRL; i++) raddr[(j*NRL+i)*AW+:AW] = word(l_raddr[j*64+:64], i);
    for (int j = 0; j < RCL; j++)
      for (int i = 0; i < NRC; i++) raddr[(CP+j*NRC+i)*AW+:AW] = word(c_raddr[j*64+:64], i);
    for (int j = 0; j < SL; j++) raddr[(SP+j)*AW+:AW] = AW'(s_ridx[j*IW+:IW]);  // words a store reads
    for (int j = 0; j < OL; j++)  // the words an output element is merged into
      for (int i = 0; i < NS; i++) raddr[(MP+j*NS+i)*AW+:AW] = word(s_waddr[j*64+:64], i);
  end
  always_comb begin
    /* verilator lint_off UNUSEDSIGNAL */  // the words' bytes past the largest element
    logic [NRL*SW-1:0] lw;
    logic [NRC*SW-1:0] cw;
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_off WIDTHCONCAT */
    l_rdata = '0;  // lanes that read no scratchpad element (a wide zero, not a mistake)
    c_rdata = '0;
    /* verilator lint_on WIDTHCONCAT */
    for (int j = 0; j < RLL; j++) begin
      lw = rdata[j*NRL*SW+:NRL*SW] >> shift(l_raddr[j*64+:64]);
      l_rdata[j*MAXW+:MAXW] = MAXW'(lw) & first_bytes(l_bytes);
    end
    for (int j = 0; j < RCL; j++) begin
      cw = rdata[(CP+j*NRC)*SW+:NRC*SW] >> shift(c_raddr[j*64+:64]);
      c_rdata[j*MAXW+:MAXW] = MAXW'(cw) & first_bytes(c_bytes);
    end
    for (int j = 0; j < SL; j++) s_rdata[j*SW+:SW] = rdata[(SP+j)*SW+:SW];
  end

  // Writes: whole words of the load lanes, then the output elements of the
  // store lanes, each its bytes of an element merged into the NS words
  // they reach (a later write port wins on the same word, so a lane's
  // words also take the bytes earlier lanes of the cycle write there:
  // narrow elements of a few bytes share words).
  always_comb begin
    logic [OL*NS*SW-1:0] sdata, smask;  // lane j's bytes and where they go, from its first word
    logic [NS*SW-1:0] m;
    logic [SW-1:0] w, mk;
    we = '0;
    waddr = '0;
    wdata = '0;
    for (int j = 0; j < LL; j++) begin
      we[j] = l_we[j];
      waddr[j*AW+:AW] = AW'(l_widx[j*IW+:IW]);
      wdata[j*SW+:SW] = l_wdata[j*MAXW+:SW];
    end
    for (int j = 0; j < OL; j++) begin
      m = ~({(NS * SW) {1'b1}} << (32'(s_bytes) * 8));
      smask[j*NS*SW+:NS*SW] = m << shift(s_waddr[j*64+:64]);
      sdata[j*NS*SW+:NS*SW] = ((NS * SW)'(s_wdata[j*OW+:OW]) & m) << shift(s_waddr[j*64+:64]);
    end
    for (int j = 0; j < OL; j++)
      for (int i = 0; i < NS; i++) begin
        w = rdata[(MP+j*NS+i)*SW+:SW];
        for (int p = 0; p < j; p++)  // earlier lanes' bytes in this word
          for (int k = 0; k < NS; k++)
            if (s_we[p] && word(s_waddr[p*64+:64], k) == word(s_waddr[j*64+:64], i)) begin
              mk = smask[(p*NS+k)*SW+:SW];
              w = (w & ~mk) | (sdata[(p*NS+k)*SW+:SW] & mk);
            end
        mk = smask[(j*NS+i)*SW+:SW];
        we[LL+j*NS+i] = s_we[j] && mk != 0;
        waddr[(LL+j*NS+i)*AW+:AW] = word(s_waddr[j*64+:64], i);
        wdata[(LL+j*NS+i)*SW+:SW] = (w & ~mk) | (sdata[(j*NS+i)*SW+:SW] & mk);
      end
  end
endmodule
