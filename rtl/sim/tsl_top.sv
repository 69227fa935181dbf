// The simulation top: the accelerator (tsl_core) with its DRAM port answered
// through DPI-C by the harness (rtl/harness), which runs the one DRAM
// channel model of device/dram.c and holds DRAM itself: one read or write
// per DMA lane.  Not synthesised.
`include "tessel_isa.vh"

module tsl_top #(
    parameter int IB = `TSL_INSN_BITS,
    parameter int CHUNK = `TSL_FETCH_CHUNK,
    parameter int DW = `TSL_DRAM_BITS,
    parameter int LN = `TSL_DRAM_LANES
) (
    input  logic          clk,
    input  logic          rst,
    input  logic [63:0]   code_addr,
    input  logic [31:0]   ninsn,
    output logic [63:0]   now,
    output logic          finished,
    output logic          stuck,
    output logic [2:0]    started,
    output logic [95:0]   started_index,
    output logic [191:0]  end_cycle,
    output logic [2:0]    stall,
    output logic          f_stall,
    output logic          f_dispatch,
    output logic          f_request,
    output logic [63:0]   f_arrive,
    output logic [31:0]   f_first
);
  // A request of `rows` rows of `row_bytes` bytes made at cycle `now`: the
  // cycle the last row's data is complete (device/dram.c: dram_request).
  import "DPI-C" function longint tsl_dram_request(input longint now, input int rows, input int row_bytes,
                                                   input int is_write);
  import "DPI-C" function void tsl_dram_read(input int en, input longint addr, input int bytes,
                                             input longint now, output bit [DW-1:0] data);
  import "DPI-C" function void tsl_dram_read_code(input int en, input longint addr, input int bytes,
                                                  input longint now, output bit [CHUNK*IB-1:0] data);
  import "DPI-C" function void tsl_dram_write(input longint addr, input int bytes, input bit [DW-1:0] data);

  logic [3:0] req, req_write;
  logic [127:0] req_rows, req_row_bytes;
  logic [255:0] req_done;
  logic f_rd_en;
  logic [LN-1:0] l_rd_en, c_rd_en, s_wr_en;
  logic [63:0] f_rd_addr;
  logic [LN*64-1:0] l_rd_addr, c_rd_addr, s_wr_addr;
  logic [15:0] f_rd_bytes, l_rd_bytes, c_rd_bytes, s_wr_bytes;
  logic [CHUNK*IB-1:0] f_rd_data;
  logic [LN*DW-1:0] l_rd_data, c_rd_data, s_wr_data;
  logic [DW-1:0] l_lane[LN], c_lane[LN];

  tsl_core u_core (.*);

  // Channel requests in the specification's order: load, compute, store
  // modules, then fetch (one block, so the order is the statement order).
  always_ff @(posedge clk) begin
    if (!rst) begin
      for (int q = 0; q < 4; q++)
        if (req[q]) req_done[q*64+:64] <= tsl_dram_request(now, req_rows[q*32+:32], req_row_bytes[q*32+:32],
                                                           32'(req_write[q]));
      for (int j = 0; j < LN; j++)
        if (s_wr_en[j]) tsl_dram_write(s_wr_addr[j*64+:64], 32'(s_wr_bytes), s_wr_data[j*DW+:DW]);
    end
  end
  // DRAM reads see DRAM as the previous clock edges left it; `now` is an
  // argument so that they are evaluated again every cycle.
  always_comb tsl_dram_read_code(32'(f_rd_en), f_rd_addr, 32'(f_rd_bytes), now, f_rd_data);
  for (genvar j = 0; j < LN; j++) begin : g_lane
    always_comb tsl_dram_read(32'(l_rd_en[j]), l_rd_addr[j*64+:64], 32'(l_rd_bytes), now, l_lane[j]);
    always_comb tsl_dram_read(32'(c_rd_en[j]), c_rd_addr[j*64+:64], 32'(c_rd_bytes), now, c_lane[j]);
    assign l_rd_data[j*DW+:DW] = l_lane[j];
    assign c_rd_data[j*DW+:DW] = c_lane[j];
  end

  assign f_request = req[3];
  assign f_arrive = req_done[3*64+:64];
  assign f_first = u_core.next_req;  // the first instruction of a request made in this cycle
endmodule
