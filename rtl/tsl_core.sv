// The accelerator: fetch, three instruction queues, the load, compute and
// store modules, four dependency-token queues, the scratchpads, the
// intrinsic core and the vector ALU.  Timing and data follow
// docs/microarch.md cycle for cycle; every number comes from the generated
// header tessel_isa.vh.
//
// One clock cycle of this design is one step of the specification: the
// registers hold the state after cycle now-1, the logic below computes, in
// the specification's order, what happens in cycle `now` (completions push
// tokens; fetched instructions arrive; load, compute, store start what they
// can; fetch requests and dispatches), and the clock edge commits it.
//
// Memory: the DRAM channel's timing is answered outside (requests leave on
// req_*, each request's completion cycle comes back on req_done from the
// next cycle on); DRAM data is read combinationally (f_rd_*, l_rd_*,
// c_rd_*) and written at the clock edge (s_wr_*).  A shared level between
// DRAM and the scratchpads (at most one) is on chip: its memory and its
// channel (the same model as DRAM's, device/dram.c) are here.
`include "tessel_isa.vh"

module tsl_core #(
    parameter int IB = `TSL_INSN_BITS,
    parameter int CHUNK = `TSL_FETCH_CHUNK,
    parameter int MAXW = `TSL_MAX_BITS,
    parameter int DW = `TSL_DRAM_BITS,  // a DRAM lane's data
    parameter int LN = `TSL_DRAM_LANES
) (
    input  logic                clk,
    input  logic                rst,
    input  logic [63:0]         code_addr,
    input  logic [31:0]         ninsn,
    output logic [63:0]         now,
    output logic                finished,   // finish completes in this cycle
    output logic                stuck,      // nothing can happen any more
    // DRAM channel requests: one per module (TSL_Q_*), then fetch
    output logic [`TSL_NQUEUES:0]          req,
    output logic [(`TSL_NQUEUES+1)*32-1:0] req_rows,
    output logic [(`TSL_NQUEUES+1)*32-1:0] req_row_bytes,
    output logic [`TSL_NQUEUES:0]          req_write,
    input  logic [(`TSL_NQUEUES+1)*64-1:0] req_done,
    // DRAM data: fetch, then the load and compute modules' DMA lanes (reads),
    // the store module's (writes)
    output logic                f_rd_en,
    output logic [63:0]         f_rd_addr,
    output logic [15:0]         f_rd_bytes,
    input  logic [CHUNK*IB-1:0] f_rd_data,
    output logic [LN-1:0]       l_rd_en,
    output logic [LN*64-1:0]    l_rd_addr,
    output logic [15:0]         l_rd_bytes,
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [LN*DW-1:0]    l_rd_data,
    /* verilator lint_on UNUSEDSIGNAL */
    output logic [LN-1:0]       c_rd_en,
    output logic [LN*64-1:0]    c_rd_addr,
    output logic [15:0]         c_rd_bytes,
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [LN*DW-1:0]    c_rd_data,
    /* verilator lint_on UNUSEDSIGNAL */
    output logic [LN-1:0]       s_wr_en,
    output logic [LN*64-1:0]    s_wr_addr,
    output logic [15:0]         s_wr_bytes,
    output logic [LN*DW-1:0]    s_wr_data,
    // activity per module, for statistics and traces
    output logic [`TSL_NQUEUES-1:0]    started,
    output logic [`TSL_NQUEUES*32-1:0] started_index,
    output logic [`TSL_NQUEUES*64-1:0] end_cycle,
    output logic [`TSL_NQUEUES-1:0]    stall,
    output logic                f_stall,
    output logic                f_dispatch
);
  localparam int OPW = `TSL_OPCODE_BITS;
  localparam int QW = IB + 32;  // a queue entry: the instruction and its index
  localparam int TW = $clog2(`TSL_QUEUE_TOKEN + 1) + 1;
  // the modules and the token queues between them (tessel_isa.vh, from isa.h)
  localparam int NQ = `TSL_NQUEUES, NT = `TSL_NTOKENS, QIW = `TSL_QUEUE_ID_W, RW = `TSL_ROUTE_W;
  localparam int QL = `TSL_Q_LOAD, QC = `TSL_Q_COMPUTE, QS = `TSL_Q_STORE;
  localparam logic [NQ*32-1:0] QUEUE_DEPTHS = `TSL_QUEUE_DEPTHS;
  localparam logic [NT*QIW-1:0] PRODUCERS = `TSL_TOKEN_PRODUCERS, CONSUMERS = `TSL_TOKEN_CONSUMERS;
  localparam logic [(2**OPW)*RW-1:0] ROUTES = `TSL_ROUTES;
  localparam logic [(2**`TSL_LOAD_BUF_W)*QIW-1:0] FILLERS = `TSL_FILLERS;
  localparam logic [OPW-1:0] OP_LOAD = OPW'(`TSL_OP_LOAD);
  localparam logic [OPW-1:0] OP_STORE = OPW'(`TSL_OP_STORE), OP_ALU = OPW'(`TSL_OP_ALU);
  localparam logic [OPW-1:0] OP_FINISH = OPW'(`TSL_OP_FINISH), OP_GEMM = OPW'(`TSL_OP_INTRINSIC);
  // intrinsic k has opcode OP_GEMM + k, its timing entry k of these
  localparam int NI = `TSL_NINTRINSICS;
  localparam logic [NI*32-1:0] GEMM_LATENCIES = `TSL_GEMM_LATENCIES, GEMM_IIS = `TSL_GEMM_IIS;
  // the shared level, when there is one; per level (a transfer's buf), its
  // element bytes and port bandwidth
  localparam int BW = `TSL_LOAD_BUF_W;
  localparam logic [(2**BW)*32-1:0] LEVEL_ELEM_BYTES = `TSL_LEVEL_ELEM_BYTES, LEVEL_BANDWIDTH = `TSL_LEVEL_BANDWIDTH;
  localparam logic [(2**BW)*32-1:0] LEVEL_VALUE_BYTES = `TSL_LEVEL_VALUE_BYTES;
  localparam bit SHARED = `TSL_NSHARED != 0;
  localparam logic [BW-1:0] SH_LEVEL = BW'(`TSL_SHARED_LEVEL);
  typedef logic [63:0] u64;
  typedef logic [31:0] u32;

  logic run;
  assign run = !rst;

  // ---- instruction fields shared by every kind (isa.h: opcode, then the four token bits) ----
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [OPW-1:0] opcode(input logic [IB-1:0] i);
  /* verilator lint_on UNUSEDSIGNAL */
    opcode = i[OPW-1:0];
  endfunction
  // whether opcode op is an intrinsic's, and which (valid when it is)
  function automatic logic is_gemm(input logic [OPW-1:0] op);
    is_gemm = op >= OP_GEMM && 32'(op) < 32'(OP_GEMM) + NI;
  endfunction
  function automatic int intrinsic(input logic [OPW-1:0] op);
    logic [OPW-1:0] k;
    k = op - OP_GEMM;
    intrinsic = is_gemm(op) ? 32'(k) : 0;
  endfunction
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic pop_prev(input logic [IB-1:0] i);
  /* verilator lint_on UNUSEDSIGNAL */
    pop_prev = i[`TSL_SYNC_POP_PREV_LSB];
  endfunction
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic pop_next(input logic [IB-1:0] i);
  /* verilator lint_on UNUSEDSIGNAL */
    pop_next = i[`TSL_SYNC_POP_NEXT_LSB];
  endfunction
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic push_prev(input logic [IB-1:0] i);
  /* verilator lint_on UNUSEDSIGNAL */
    push_prev = i[`TSL_SYNC_PUSH_PREV_LSB];
  endfunction
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic push_next(input logic [IB-1:0] i);
  /* verilator lint_on UNUSEDSIGNAL */
    push_next = i[`TSL_SYNC_PUSH_NEXT_LSB];
  endfunction
  function automatic int qdepth(input int q);
    qdepth = 32'(QUEUE_DEPTHS[q*32+:32]);
  endfunction
  function automatic int producer(input int t);
    producer = 32'(PRODUCERS[t*QIW+:QIW]);
  endfunction
  function automatic int consumer(input int t);
    consumer = 32'(CONSUMERS[t*QIW+:QIW]);
  endfunction
  // The token bits with which token queue t's producer pushes and its
  // consumer pops: toward a later module is `next`.
  function automatic logic pushes(input int t, input logic [IB-1:0] i);
    pushes = consumer(t) > producer(t) ? push_next(i) : push_prev(i);
  endfunction
  function automatic logic pops(input int t, input logic [IB-1:0] i);
    pops = producer(t) < consumer(t) ? pop_prev(i) : pop_next(i);
  endfunction
  function automatic u64 ceil_div(input u64 a, input u64 b);
    ceil_div = (a + b - 1) / b;
  endfunction
  function automatic u32 elem_bytes(input logic [BW-1:0] b);
    elem_bytes = LEVEL_ELEM_BYTES[b*32+:32];
  endfunction
  // Whether level b's parent is the shared level (else DRAM): every
  // scratchpad's is when there is one.
  function automatic logic from_shared(input logic [BW-1:0] b);
    from_shared = SHARED && b != SH_LEVEL;
  endfunction
  // The buffer a load or a store moves.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [BW-1:0] xfer_buf(input logic [IB-1:0] i);
  /* verilator lint_on UNUSEDSIGNAL */
    xfer_buf = opcode(i) == OP_STORE ? BW'(i[`TSL_STORE_BUF_LSB+:`TSL_STORE_BUF_W]) : i[`TSL_LOAD_BUF_LSB+:BW];
  endfunction
  // Bytes of one of a transfer's elements in the parent: a narrow
  // transfer's `values` values (isa_parent_elem_bytes), else the element.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic u32 parent_elem_bytes(input logic [IB-1:0] i);
  /* verilator lint_on UNUSEDSIGNAL */
    u32 v;
    v = 0;
`ifdef TSL_LOAD_VALUES_W
    v = opcode(i) == OP_STORE ? 32'(i[`TSL_STORE_VALUES_LSB+:`TSL_STORE_VALUES_W]) :
        32'(i[`TSL_LOAD_VALUES_LSB+:`TSL_LOAD_VALUES_W]);
`endif
    parent_elem_bytes = v != 0 ? v * LEVEL_VALUE_BYTES[xfer_buf(i)*32+:32] : elem_bytes(xfer_buf(i));
  endfunction

  // ---- the cycle counter ----
  always_ff @(posedge clk) now <= rst ? 64'd0 : now + 64'd1;

  // ---- module state ----
  logic [IB-1:0] cur[NQ];  // the instruction each module runs
  logic [NQ-1:0] busy;
  logic [NQ-1:0] mem;  // it is a transfer: it ends at max(port end, data completion)
  logic [NQ-1:0] on_shared;  // that transfer is on the shared level's channel (else DRAM's)
  u64 shared_done[NQ];  // the completion of each module's request on the shared channel
  u64 end_r[NQ];
  u64 end_eff[NQ];
  logic [NQ-1:0] complete, finishing;
  for (genvar q = 0; q < NQ; q++) begin : g_end
    u64 done;
    assign done = on_shared[q] ? shared_done[q] : req_done[q*64+:64];
    assign end_eff[q] = mem[q] ? (done > end_r[q] ? done : end_r[q]) : end_r[q];
    assign complete[q] = busy[q] && now == end_eff[q];
    assign finishing[q] = complete[q] && opcode(cur[q]) == OP_FINISH;
    assign end_cycle[q*64+:64] = end_eff[q];
  end
  logic fin;
  assign fin = run && finishing != 0;
  assign finished = fin;

  // ---- instruction queues ----
  logic [QW-1:0] head_e[NQ];
  logic [IB-1:0] head[NQ];
  logic [7:0] qcount[NQ];
  logic [NQ-1:0] start;
  logic dispatch;
  logic [QIW-1:0] dq;
  logic [QW-1:0] dentry;
  for (genvar q = 0; q < NQ; q++) begin : g_queue
    localparam int CW = $clog2(qdepth(q) + 1);
    logic [CW-1:0] cnt;
    tsl_fifo #(
        .DEPTH(qdepth(q)),
        .W(QW)
    ) u_fifo (
        .clk(clk),
        .rst(rst),
        .push(dispatch && dq == QIW'(q)),
        .din(dentry),
        .pop(start[q]),
        .head(head_e[q]),
        .count(cnt)
    );
    assign qcount[q] = 8'(cnt);
    assign head[q] = head_e[q][IB-1:0];
    assign started_index[q*32+:32] = head_e[q][IB+:32];
  end
  assign started = start;

  // ---- tokens (isa/timing.c: isa_tokens_wait, isa_tokens_step) ----
  localparam logic [TW-1:0] CAP = TW'(`TSL_QUEUE_TOKEN);
  logic [TW-1:0] tok[NT];
  logic [NT*TW-1:0] tok1;  // after this cycle's completions pushed
  logic [NT-1:0] push, pop;
  for (genvar t = 0; t < NT; t++) begin : g_tok
    assign push[t] = complete[producer(t)] && pushes(t, cur[producer(t)]);
    assign tok1[t*TW+:TW] = tok[t] + TW'(push[t]);
    always_ff @(posedge clk) tok[t] <= rst ? '0 : tok1[t*TW+:TW] - TW'(pop[t]);
  end
  // Each free module with a queued instruction starts it if its tokens
  // allow — every token queue it pops holds a token, every one it pushes
  // has room — in module order: a later module sees the pops of an earlier
  // one in the same cycle.
  logic [NQ-1:0] free;
  assign free = ~(busy & ~complete);
  always_comb begin
    logic [NT*TW-1:0] seen;
    logic allow;
    seen = tok1;
    pop = '0;
    for (int q = 0; q < NQ; q++) begin
      allow = 1'b1;
      for (int t = 0; t < NT; t++) begin
        if (consumer(t) == q && pops(t, head[q]) && seen[t*TW+:TW] == 0) allow = 1'b0;
        if (producer(t) == q && pushes(t, head[q]) && seen[t*TW+:TW] >= CAP) allow = 1'b0;
      end
      start[q] = run && !fin && free[q] && qcount[q] != 0 && allow;
      for (int t = 0; t < NT; t++)
        if (start[q] && consumer(t) == q && pops(t, head[q])) begin
          pop[t] = 1'b1;
          seen[t*TW+:TW] = seen[t*TW+:TW] - 1'b1;
        end
    end
  end

  // ---- durations (docs/microarch.md, "Instruction timing") ----
  // The end of the instruction at the head of each module if it starts in
  // this cycle: of a non-transfer, or the port end of a transfer.
  u64 end_next[NQ];
  for (genvar q = 0; q < NQ; q++) begin : g_module
    logic [IB-1:0] i;
    u64 n, beats, port;
    logic [BW-1:0] b;
    assign i = head[q];
    always_comb begin
      b = xfer_buf(i);
      if (opcode(i) == OP_LOAD)  // elements the transfer moves on its level's port
        n = (64'(i[`TSL_LOAD_XSIZE_LSB+:`TSL_LOAD_XSIZE_W]) + 64'(i[`TSL_LOAD_XPAD0_LSB+:`TSL_LOAD_XPAD0_W]) +
             64'(i[`TSL_LOAD_XPAD1_LSB+:`TSL_LOAD_XPAD1_W])) *
            (64'(i[`TSL_LOAD_YSIZE_LSB+:`TSL_LOAD_YSIZE_W]) + 64'(i[`TSL_LOAD_YPAD0_LSB+:`TSL_LOAD_YPAD0_W]) +
             64'(i[`TSL_LOAD_YPAD1_LSB+:`TSL_LOAD_YPAD1_W]));
      else n = 64'(i[`TSL_STORE_XSIZE_LSB+:`TSL_STORE_XSIZE_W]) * 64'(i[`TSL_STORE_YSIZE_LSB+:`TSL_STORE_YSIZE_W]);
      port = ceil_div(n * 64'(elem_bytes(b)), 64'(LEVEL_BANDWIDTH[b*32+:32]));
      if (port < `TSL_MIN_CYCLES) port = `TSL_MIN_CYCLES;
      if (opcode(i) == OP_ALU)  // micro-op beats of the loop
        beats = (64'(i[`TSL_ALU_UOP_END_LSB+:`TSL_ALU_UOP_END_W]) - 64'(i[`TSL_ALU_UOP_BEGIN_LSB+:`TSL_ALU_UOP_BEGIN_W])) *
            64'(i[`TSL_ALU_ITER_OUT_LSB+:`TSL_ALU_ITER_OUT_W]) * 64'(i[`TSL_ALU_ITER_IN_LSB+:`TSL_ALU_ITER_IN_W]);
      else
        beats = (64'(i[`TSL_INTRINSIC_UOP_END_LSB+:`TSL_INTRINSIC_UOP_END_W]) -
                 64'(i[`TSL_INTRINSIC_UOP_BEGIN_LSB+:`TSL_INTRINSIC_UOP_BEGIN_W])) *
            64'(i[`TSL_INTRINSIC_ITER_OUT_LSB+:`TSL_INTRINSIC_ITER_OUT_W]) *
            64'(i[`TSL_INTRINSIC_ITER_IN_LSB+:`TSL_INTRINSIC_ITER_IN_W]);
      if (opcode(i) == OP_LOAD || opcode(i) == OP_STORE) end_next[q] = now + port;
      else if (opcode(i) == OP_ALU) end_next[q] = now + (beats * `TSL_ALU_PASSES - 1) * `TSL_ALU_II + `TSL_ALU_LATENCY;
      else if (is_gemm(opcode(i)))
        end_next[q] = now + (beats - 1) * 64'(GEMM_IIS[intrinsic(opcode(i))*32+:32]) +
            64'(GEMM_LATENCIES[intrinsic(opcode(i))*32+:32]);
      else end_next[q] = now + `TSL_MIN_CYCLES;
    end
    always_ff @(posedge clk) begin
      if (rst) busy[q] <= 1'b0;
      else if (start[q]) begin
        busy[q] <= 1'b1;
        cur[q] <= head[q];
        end_r[q] <= end_next[q];
        mem[q] <= opcode(head[q]) == OP_LOAD || opcode(head[q]) == OP_STORE;
        on_shared[q] <= from_shared(xfer_buf(head[q]));
      end else if (complete[q]) busy[q] <= 1'b0;
    end
  end

  // Channel requests of the transfers that start (isa_transfer_requests:
  // ysize rows of xsize elements), on the channel of the buffer's parent
  logic [NQ-1:0] shared_req;
  u32 rows[NQ], row_bytes[NQ];
  for (genvar q = 0; q < NQ; q++) begin : g_req
    logic [BW-1:0] b;
    logic st, xfer;
    assign st = opcode(head[q]) == OP_STORE;
    assign xfer = start[q] && (st || opcode(head[q]) == OP_LOAD);
    assign b = xfer_buf(head[q]);
    assign req[q] = xfer && !from_shared(b);
    assign shared_req[q] = xfer && from_shared(b);
    assign req_write[q] = st;
    assign rows[q] = st ? 32'(head[q][`TSL_STORE_YSIZE_LSB+:`TSL_STORE_YSIZE_W]) :
        32'(head[q][`TSL_LOAD_YSIZE_LSB+:`TSL_LOAD_YSIZE_W]);
    assign row_bytes[q] = parent_elem_bytes(head[q]) * (st ? 32'(head[q][`TSL_STORE_XSIZE_LSB+:`TSL_STORE_XSIZE_W]) :
        32'(head[q][`TSL_LOAD_XSIZE_LSB+:`TSL_LOAD_XSIZE_W]));
    assign req_rows[q*32+:32] = rows[q];
    assign req_row_bytes[q*32+:32] = row_bytes[q];
  end

  // The shared level's channel (device/dram.c: dram_request per row, rows
  // back to back): bursts of port_bits / 8 bytes at its bandwidth, then its
  // latency; requests served in module order.
  localparam u64 SH_BURST = `TSL_SHARED_BURST, SH_BAND = `TSL_SHARED_BANDWIDTH;
  function automatic u64 shared_beats(input u32 bytes);
    shared_beats = (64'(bytes) / SH_BURST) * ceil_div(SH_BURST, SH_BAND) + ceil_div(64'(bytes) % SH_BURST, SH_BAND);
  endfunction
  u64 shared_free;  // the cycle the channel's bus is free
  u64 shared_free_next;
  u64 shared_done_next[NQ];
  always_comb begin
    u64 s;
    shared_free_next = shared_free;
    for (int q = 0; q < NQ; q++) begin
      s = now > shared_free_next ? now : shared_free_next;
      if (shared_req[q]) shared_free_next = s + 64'(rows[q]) * shared_beats(row_bytes[q]);
      shared_done_next[q] = shared_free_next + `TSL_SHARED_LATENCY;
    end
  end
  always_ff @(posedge clk) begin
    shared_free <= rst ? '0 : shared_free_next;
    for (int q = 0; q < NQ; q++) if (shared_req[q]) shared_done[q] <= shared_done_next[q];
  end

  // ---- fetch ----
  logic pending;  // a request is to be made in this cycle
  logic outstanding;  // a request is in flight
  u32 next_req, req_first, req_n, fb_n, fb_pos, cur_n, cur_pos;
  logic [CHUNK*IB-1:0] fb, cur_fb;
  logic stopped, arriving, f_req;
  u32 f_count;
  assign arriving = run && !fin && outstanding && now == req_done[NQ*64+:64];
  assign cur_n = arriving ? req_n : fb_n;
  assign cur_pos = arriving ? 0 : fb_pos;
  assign cur_fb = arriving ? f_rd_data : fb;
  assign f_rd_en = outstanding;
  assign f_rd_addr = code_addr + 64'(req_first) * `TSL_INSN_BYTES;
  assign f_rd_bytes = 16'(req_n * `TSL_INSN_BYTES);
  logic [IB-1:0] dinsn;
  logic has;
  assign dinsn = cur_fb[cur_pos*IB+:IB];
  assign has = run && !fin && cur_pos < cur_n && !stopped;
  // the module that executes it (isa_queue_of): its opcode's route names the
  // module, or says that the sync's queue field or the loaded buffer's filler does
  logic [RW-1:0] route;
  assign route = ROUTES[opcode(dinsn)*RW+:RW];
  always_comb begin
    if (route == RW'(`TSL_ROUTE_QUEUE_FIELD)) dq = QIW'(dinsn[`TSL_SYNC_QUEUE_LSB+:`TSL_SYNC_QUEUE_W]);
    else if (route == RW'(`TSL_ROUTE_BUFFER)) dq = FILLERS[dinsn[`TSL_LOAD_BUF_LSB+:`TSL_LOAD_BUF_W]*QIW+:QIW];
    else dq = QIW'(route);
  end
  assign dentry = {req_first + cur_pos, dinsn};
  logic room;  // the queue has room after this cycle's start
  logic [NQ-1:0] room_in;
  for (genvar q = 0; q < NQ; q++) begin : g_room
    assign room_in[q] = 32'(qcount[q]) - 32'(start[q]) < qdepth(q);
  end
  assign room = room_in[dq];
  assign dispatch = has && room;
  assign f_dispatch = dispatch;
  assign f_req = run && !fin && pending;
  assign f_count = ninsn - next_req < CHUNK ? ninsn - next_req : CHUNK;
  assign req[NQ] = f_req;  // the fetch channel follows the modules'
  assign req_write[NQ] = 1'b0;
  assign req_rows[NQ*32+:32] = 1;
  assign req_row_bytes[NQ*32+:32] = f_count * `TSL_INSN_BYTES;
  logic next_pending;
  assign next_pending = dispatch && opcode(dinsn) != OP_FINISH && cur_pos + 1 == cur_n && next_req < ninsn;
  always_ff @(posedge clk) begin
    if (rst) begin
      pending <= ninsn != 0;
      outstanding <= 1'b0;
      next_req <= 0;
      fb_n <= 0;
      fb_pos <= 0;
      stopped <= 1'b0;
    end else begin
      if (f_req) begin
        outstanding <= 1'b1;
        req_first <= next_req;
        req_n <= f_count;
        next_req <= next_req + f_count;
      end else if (arriving) outstanding <= 1'b0;
      if (arriving) begin
        fb <= f_rd_data;
        fb_n <= req_n;
      end
      fb_pos <= cur_pos + 32'(dispatch);
      if (dispatch && opcode(dinsn) == OP_FINISH) stopped <= 1'b1;
      pending <= next_pending;
    end
  end

  // ---- activity ----
  logic [NQ-1:0] busy_after;
  assign busy_after = (busy & ~complete) | start;
  for (genvar q = 0; q < NQ; q++) begin : g_stall
    logic [7:0] n_after;
    logic fresh;
    assign n_after = qcount[q] - 8'(start[q]) + 8'(dispatch && dq == QIW'(q));
    assign fresh = dispatch && dq == QIW'(q) && n_after == 1;
    assign stall[q] = run && !fin && !busy_after[q] && n_after != 0 && !fresh;
  end
  assign f_stall = has && !dispatch;
  assign stuck = run && !fin && busy_after == 0 && !((outstanding && !arriving) || f_req) && !next_pending && !dispatch;

  // ---- data path ----
  localparam int IN_W = `TSL_INPUT_ELEM_BYTES * 8, WG_W = `TSL_WEIGHT_ELEM_BYTES * 8;
  localparam int ACC_W = `TSL_ACCUMULATOR_ELEM_BYTES * 8, OUT_W = `TSL_OUTPUT_ELEM_BYTES * 8;
  localparam int UOP_W = `TSL_UOP_ELEM_BYTES * 8;
  localparam int IN_AW = $clog2(`TSL_INPUT_DEPTH), WG_AW = $clog2(`TSL_WEIGHT_DEPTH);
  localparam int ACC_AW = $clog2(`TSL_ACCUMULATOR_DEPTH), OUT_AW = $clog2(`TSL_OUTPUT_DEPTH);
  localparam int UOP_AW = $clog2(`TSL_UOP_DEPTH);

  // Elements per cycle of each module's DMA: the most of the levels it fills
  // (load: input, weight, the shared level; compute: accumulator, micro-ops)
  // or stores (the output buffer, the shared level).
  /* verilator coverage_off */  // elaboration only
  function automatic int most(input int a, input int b);
    most = a > b ? a : b;
  endfunction
  /* verilator coverage_on */
  localparam int SH_LN = SHARED ? `TSL_SHARED_LANES : 1;
  localparam int LL = most(most(`TSL_INPUT_LANES, `TSL_WEIGHT_LANES), SH_LN);
  localparam int CL = most(`TSL_ACCUMULATOR_LANES, `TSL_UOP_LANES);
  localparam int SL = most(`TSL_OUTPUT_LANES, SH_LN);
  localparam int IW = `TSL_LOAD_IDX_W;

  // load module: its DMA fills the input and weight scratchpads and the
  // shared level, from the parent of each
  logic [BW-1:0] l_buf;
  logic [LL-1:0] l_en, l_zero;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [LL*IW-1:0] l_idx;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [LL*64-1:0] l_paddr;
  logic [15:0] l_unit, c_unit, s_unit;  // bytes of an element in the parent
  logic [15:0] l_diag;  // the load's diagonal block (0: none)
  /* verilator lint_off UNUSEDSIGNAL */
  logic [15:0] c_diag, s_diag;  // the compute module loads no weights; a store has no diag
  /* verilator lint_on UNUSEDSIGNAL */
  tsl_dma #(.LN(LL)) u_ldma (
      .clk(clk), .rst(rst),
      .start(start[QL] && opcode(head[QL]) == OP_LOAD), .is_store(1'b0), .insn(head[QL]),
      .buffer(l_buf), .en(l_en), .idx(l_idx), .zero(l_zero), .paddr(l_paddr), .unit(l_unit), .diag(l_diag)
  );
  logic [LL-1:0] l_dram;  // the lanes reading DRAM
  assign l_dram = l_en & ~l_zero & {LL{!from_shared(l_buf)}};
  assign l_rd_en = LN'(l_dram);
  assign l_rd_addr = (LN * 64)'(l_paddr);
  assign l_rd_bytes = l_unit;

  // compute module: its DMA fills the accumulator and micro-op buffer
  logic [BW-1:0] c_buf;
  logic [CL-1:0] c_en, c_zero;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [CL*IW-1:0] c_idx;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [CL*64-1:0] c_paddr;
  tsl_dma #(.LN(CL)) u_cdma (
      .clk(clk), .rst(rst),
      .start(start[QC] && opcode(head[QC]) == OP_LOAD), .is_store(1'b0), .insn(head[QC]),
      .buffer(c_buf), .en(c_en), .idx(c_idx), .zero(c_zero), .paddr(c_paddr), .unit(c_unit), .diag(c_diag)
  );
  logic [CL-1:0] c_dram;  // the lanes reading DRAM
  assign c_dram = c_en & ~c_zero & {CL{!from_shared(c_buf)}};
  assign c_rd_en = LN'(c_dram);
  assign c_rd_addr = (LN * 64)'(c_paddr);
  assign c_rd_bytes = c_unit;

  // compute module: the micro-op loop of the intrinsic and the ALU
  logic [IB-1:0] cinsn;  // the compute instruction of this cycle
  assign cinsn = start[QC] ? head[QC] : cur[QC];
  logic beat;
  /* verilator lint_off UNUSEDSIGNAL */
  u32 uop_idx, dst_base, src_base, wgt_base;
  /* verilator lint_on UNUSEDSIGNAL */
  tsl_loop u_loop (
      .clk(clk),
      .rst(rst),
      .start(start[QC] && (opcode(head[QC]) == OP_ALU || is_gemm(opcode(head[QC])))),
      .insn(head[QC]),
      .is_alu(opcode(head[QC]) == OP_ALU),
      .beat(beat),
      .uop_idx(uop_idx),
      .dst_base(dst_base),
      .src_base(src_base),
      .wgt_base(wgt_base)
  );
  /* verilator lint_off UNUSEDSIGNAL */
  logic [UOP_W-1:0] uop;  // bits above the three fields are reserved
  /* verilator lint_on UNUSEDSIGNAL */
  /* verilator lint_off UNUSEDSIGNAL */
  u32 dst, src, wgt;
  /* verilator lint_on UNUSEDSIGNAL */
  assign dst = 32'(uop[`TSL_UOP_DST_LSB+:`TSL_UOP_DST_W]) + dst_base;
  assign src = 32'(uop[`TSL_UOP_SRC_LSB+:`TSL_UOP_SRC_W]) + src_base;
  assign wgt = 32'(uop[`TSL_UOP_WGT_LSB+:`TSL_UOP_WGT_W]) + wgt_base;

  // store module: its DMA reads the output buffer or the shared level and
  // writes the parent of each
  logic [BW-1:0] s_buf;
  logic [SL-1:0] s_en;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [SL-1:0] s_zero;  // a store has no padding
  logic [SL*IW-1:0] s_idx;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [SL*64-1:0] s_paddr;
  tsl_dma #(.LN(SL)) u_sdma (
      .clk(clk), .rst(rst),
      .start(start[QS] && opcode(head[QS]) == OP_STORE), .is_store(1'b1), .insn(head[QS]),
      .buffer(s_buf), .en(s_en), .idx(s_idx), .zero(s_zero), .paddr(s_paddr), .unit(s_unit), .diag(s_diag)
  );

  // DRAM's data for lane j (a lane past DRAM's never reads it)
  function automatic logic [MAXW-1:0] dram_lane(input logic [LN*DW-1:0] d, input int j);
    dram_lane = j < LN ? MAXW'(d[j*DW+:DW]) : '0;
  endfunction
  // The lanes' data: what the load and compute DMAs write (zeros in the
  // padding), what the store DMA reads.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [LL*MAXW-1:0] l_data, l_shared;  // l_shared, c_shared: read from the shared level
  logic [CL*MAXW-1:0] c_data, c_shared;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [MAXW-1:0] s_data[SL];
  logic [SL*OUT_W-1:0] out_rd;
  logic [SL*`TSL_SHARED_ELEM_BYTES*8-1:0] s_shared;
  // (loops, not generates: see tsl_spad.sv)
  always_comb begin
    for (int j = 0; j < LL; j++)
      l_data[j*MAXW+:MAXW] = l_zero[j] ? '0 : from_shared(l_buf) ? l_shared[j*MAXW+:MAXW] : dram_lane(l_rd_data, j);
    for (int j = 0; j < CL; j++)
      c_data[j*MAXW+:MAXW] = c_zero[j] ? '0 : from_shared(c_buf) ? c_shared[j*MAXW+:MAXW] : dram_lane(c_rd_data, j);
    s_wr_data = '0;
    for (int j = 0; j < SL; j++) begin
      s_data[j] = SHARED && s_buf == SH_LEVEL ? MAXW'(s_shared[j*`TSL_SHARED_ELEM_BYTES*8+:`TSL_SHARED_ELEM_BYTES*8]) :
          MAXW'(out_rd[j*OUT_W+:OUT_W]);
      if (j < LN) s_wr_data[j*DW+:DW] = DW'(s_data[j]);
    end
  end
  logic [SL-1:0] s_dram;  // the lanes writing DRAM
  assign s_dram = s_en & {SL{!from_shared(s_buf)}};
  assign s_wr_en = LN'(s_dram);
  assign s_wr_addr = (LN * 64)'(s_paddr);
  assign s_wr_bytes = s_unit;

  // scratchpads: a write port per lane of their DMA
  logic [IN_W-1:0] inp_a;
  logic [WG_W-1:0] wgt_b;
  logic [ACC_W-1:0] acc_dst, acc_src, acc_new, alu_out;
  logic [ACC_W-1:0] gemm_out[NI];  // per intrinsic
  logic [OUT_W-1:0] out_new;
  localparam int INL = `TSL_INPUT_LANES, WGL = `TSL_WEIGHT_LANES, ACL = `TSL_ACCUMULATOR_LANES;
  localparam int UOL = `TSL_UOP_LANES, OUL = `TSL_OUTPUT_LANES;
  logic [INL-1:0] inp_we;
  logic [INL*IN_AW-1:0] inp_wa;
  logic [INL*IN_W-1:0] inp_wd;
  logic [WGL-1:0] wgt_we;
  logic [WGL*WG_AW-1:0] wgt_wa;
  logic [WGL*WG_W-1:0] wgt_wd;
  logic [ACL:0] acc_we;  // port 0: the beat; then the DMA's lanes
  logic [(ACL+1)*ACC_AW-1:0] acc_wa;
  logic [(ACL+1)*ACC_W-1:0] acc_wd;
  logic [UOL-1:0] uop_we;
  logic [UOL*UOP_AW-1:0] uop_wa;
  logic [UOL*UOP_W-1:0] uop_wd;
  for (genvar j = 0; j < INL; j++) begin : g_inp_w
    assign inp_we[j] = l_en[j] && l_buf == `TSL_INPUT_LEVEL;
    assign inp_wa[j*IN_AW+:IN_AW] = IN_AW'(l_idx[j*IW+:IW]);
    assign inp_wd[j*IN_W+:IN_W] = l_data[j*MAXW+:IN_W];
  end
  // A diagonal load (docs/isa.md) puts a lane's values, the element's first
  // (the port zero-fills the rest), on diagonal block d of the R x C weight
  // element: place k of the long side gets value k mod S (S the short side)
  // when k / S + 1 = d; every other value keeps the port's zero.
  localparam int WG_R = `TSL_WEIGHT_ROWS, WG_C = `TSL_WEIGHT_COLS;
  localparam int WG_LONG = most(WG_R, WG_C), WG_SHORT = WG_R + WG_C - WG_LONG;
  localparam int WG_VW = 32'(LEVEL_VALUE_BYTES[`TSL_WEIGHT_LEVEL*32+:32]) * 8;  // bits of a value
  localparam bit WG_DIAG = `TSL_WEIGHT_DIAG_BLOCKS != 0;
  function automatic logic [WG_W-1:0] on_diagonal(input logic [WG_W-1:0] v, input logic [15:0] d);
    int i, at;
    on_diagonal = v;
    for (int k = 0; k < WG_SHORT; k++) on_diagonal[k*WG_VW+:WG_VW] = '0;
    for (int k = 0; k < WG_LONG; k++) begin
      i = k % WG_SHORT;
      at = WG_R >= WG_C ? k * WG_C + i : i * WG_C + k;
      if (d == 16'(k / WG_SHORT + 1)) on_diagonal[at*WG_VW+:WG_VW] = v[i*WG_VW+:WG_VW];
    end
  endfunction
  for (genvar j = 0; j < WGL; j++) begin : g_wgt_w
    assign wgt_we[j] = l_en[j] && l_buf == `TSL_WEIGHT_LEVEL;
    assign wgt_wa[j*WG_AW+:WG_AW] = WG_AW'(l_idx[j*IW+:IW]);
    assign wgt_wd[j*WG_W+:WG_W] = WG_DIAG && l_diag != 0 ? on_diagonal(l_data[j*MAXW+:WG_W], l_diag) :
        l_data[j*MAXW+:WG_W];
  end
  assign acc_we[0] = beat;
  assign acc_wa[ACC_AW-1:0] = ACC_AW'(dst);
  assign acc_wd[ACC_W-1:0] = acc_new;
  for (genvar j = 0; j < ACL; j++) begin : g_acc_w
    assign acc_we[j+1] = c_en[j] && c_buf == `TSL_ACCUMULATOR_LEVEL;
    assign acc_wa[(j+1)*ACC_AW+:ACC_AW] = ACC_AW'(c_idx[j*IW+:IW]);
    assign acc_wd[(j+1)*ACC_W+:ACC_W] = c_data[j*MAXW+:ACC_W];
  end
  for (genvar j = 0; j < UOL; j++) begin : g_uop_w
    assign uop_we[j] = c_en[j] && c_buf == `TSL_UOP_LEVEL;
    assign uop_wa[j*UOP_AW+:UOP_AW] = UOP_AW'(c_idx[j*IW+:IW]);
    assign uop_wd[j*UOP_W+:UOP_W] = c_data[j*MAXW+:UOP_W];
  end
  tsl_spad #(
      .DEPTH(`TSL_INPUT_DEPTH),
      .W(IN_W),
      .WP(INL),
      .RP(1)
  ) u_inp (
      .clk(clk),
      .we(inp_we),
      .waddr(inp_wa),
      .wdata(inp_wd),
      .raddr(IN_AW'(src)),
      .rdata(inp_a)
  );
  tsl_spad #(
      .DEPTH(`TSL_WEIGHT_DEPTH),
      .W(WG_W),
      .WP(WGL),
      .RP(1)
  ) u_wgt (
      .clk(clk),
      .we(wgt_we),
      .waddr(wgt_wa),
      .wdata(wgt_wd),
      .raddr(WG_AW'(wgt)),
      .rdata(wgt_b)
  );
  tsl_spad #(
      .DEPTH(`TSL_ACCUMULATOR_DEPTH),
      .W(ACC_W),
      .WP(ACL + 1),
      .RP(2)
  ) u_acc (
      .clk(clk),
      .we(acc_we),
      .waddr(acc_wa),
      .wdata(acc_wd),
      .raddr({ACC_AW'(src), ACC_AW'(dst)}),
      .rdata({acc_src, acc_dst})
  );
  logic [OUL*OUT_AW-1:0] out_ra;
  for (genvar j = 0; j < OUL; j++) begin : g_out_r
    assign out_ra[j*OUT_AW+:OUT_AW] = OUT_AW'(s_idx[j*IW+:IW]);
  end
  tsl_spad #(
      .DEPTH(`TSL_OUTPUT_DEPTH),
      .W(OUT_W),
      .WP(1),
      .RP(OUL)
  ) u_out (
      .clk(clk),
      .we(beat),
      .waddr(OUT_AW'(dst)),
      .wdata(out_new),
      .raddr(out_ra),
      .rdata(out_rd[OUL*OUT_W-1:0])
  );
  if (SL > OUL) begin : g_out_idle
    assign out_rd[SL*OUT_W-1:OUL*OUT_W] = '0;
  end
  tsl_spad #(
      .DEPTH(`TSL_UOP_DEPTH),
      .W(UOP_W),
      .WP(UOL),
      .RP(1)
  ) u_uop (
      .clk(clk),
      .we(uop_we),
      .waddr(uop_wa),
      .wdata(uop_wd),
      .raddr(UOP_AW'(uop_idx)),
      .rdata(uop)
  );

  // the shared level (tsl_shared): loaded from DRAM by the load module's
  // lanes, read by the scratchpads' DMAs, written by stores of the output
  // buffer, read by its own stores to DRAM
  if (SHARED) begin : g_shared
    tsl_shared #(
        .LL(LL),
        .CL(CL),
        .SL(SL),
        .OUT_BYTES(`TSL_OUTPUT_ELEM_BYTES)
    ) u_shared (
        .clk(clk),
        .l_we(l_en & {LL{l_buf == SH_LEVEL}}),
        .l_widx(l_idx),
        .l_wdata(l_data),
        .l_raddr(l_paddr),
        .l_bytes(l_unit),
        .l_rdata(l_shared),
        .c_raddr(c_paddr),
        .c_bytes(c_unit),
        .c_rdata(c_shared),
        .s_ridx(s_idx),
        .s_rdata(s_shared),
        .s_we(s_en & {SL{from_shared(s_buf)}}),
        .s_waddr(s_paddr),
        .s_bytes(s_unit),
        .s_wdata(out_rd)
    );
  end else begin : g_no_shared
    assign l_shared = '0;
    assign c_shared = '0;
    assign s_shared = '0;
  end

  // the intrinsics (one unit each) and the ALU on the beat's accumulator element
  for (genvar k = 0; k < NI; k++) begin : g_intrinsic
    tsl_gemm #(
        .K(k)
    ) u_gemm (
        .reset(cinsn[`TSL_INTRINSIC_RESET_LSB]),
        .acc_in(acc_dst),
        .a(inp_a),
        .b(wgt_b),
        .acc_out(gemm_out[k])
    );
  end
  tsl_alu u_alu (
      .op(cinsn[`TSL_ALU_OP_LSB+:`TSL_ALU_OP_W]),
      .use_imm(cinsn[`TSL_ALU_USE_IMM_LSB]),
      .imm(`TSL_ACC_BITS'($signed(cinsn[`TSL_ALU_IMM_LSB+:`TSL_ALU_IMM_W]))),
      .x(acc_dst),
      .y(acc_src),
      .z(alu_out)
  );
  assign acc_new = opcode(cinsn) == OP_ALU ? alu_out : gemm_out[intrinsic(opcode(cinsn))];
  // the output buffer gets every value narrowed: two's complement
  // truncation, or binary32 rounded to binary16
  for (genvar v = 0; v < `TSL_ACC_VALUES; v++) begin : g_narrow
    if (`TSL_ACC_FLOAT && `TSL_OUT_BITS == 16) begin : g_fp16
      tsl_fp32_to_fp16 u_half (
          .x(acc_new[v*`TSL_ACC_BITS+:32]),
          .z(out_new[v*`TSL_OUT_BITS+:16])
      );
    end else begin : g_trunc
      assign out_new[v*`TSL_OUT_BITS+:`TSL_OUT_BITS] = acc_new[v*`TSL_ACC_BITS+:`TSL_OUT_BITS];
    end
  end
endmodule
