// The two-level micro-op loop of intrinsic and ALU instructions: one beat
// per cycle from the start cycle, for o < iter_out, i < iter_in, u in
// uop_begin..uop_end-1; dst/src/wgt = micro-op + o*X_out + i*X_in.
`include "tessel_isa.vh"

module tsl_loop (
    input  logic                      clk,
    input  logic                      rst,
    input  logic                      start,
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [`TSL_INSN_BITS-1:0] insn,
    /* verilator lint_on UNUSEDSIGNAL */
    input  logic                      is_alu,   // else the intrinsic
    output logic                      beat,     // a beat in this cycle
    output logic [31:0]               uop_idx,  // micro-op of the beat
    output logic [31:0]               dst_base,
    output logic [31:0]               src_base,
    output logic [31:0]               wgt_base
);
  typedef logic [31:0] u32;
  u32 ub_r, ue_r, no_r, ni_r, dso_r, dsi_r, sro_r, sri_r, wgo_r, wgi_r;
  u32 ub_v, ue_v, no_v, ni_v, dso_v, dsi_v, sro_v, sri_v, wgo_v, wgi_v;
  u32 u_r, i_r, o_r, u_v, i_v, o_v;
  u32 od_r, os_r, ow_r, od_v, os_v, ow_v;  // bases of the outer iteration
  u32 d_r, s_r, w_r, d_v, s_v, w_v;  // bases of this iteration
  logic act_r, act_v;

  always_comb begin
    if (start) begin
      if (is_alu) begin
        ub_v = 32'(insn[`TSL_ALU_UOP_BEGIN_LSB+:`TSL_ALU_UOP_BEGIN_W]);
        ue_v = 32'(insn[`TSL_ALU_UOP_END_LSB+:`TSL_ALU_UOP_END_W]);
        no_v = 32'(insn[`TSL_ALU_ITER_OUT_LSB+:`TSL_ALU_ITER_OUT_W]);
        ni_v = 32'(insn[`TSL_ALU_ITER_IN_LSB+:`TSL_ALU_ITER_IN_W]);
        dso_v = 32'(insn[`TSL_ALU_DST_OUT_LSB+:`TSL_ALU_DST_OUT_W]);
        dsi_v = 32'(insn[`TSL_ALU_DST_IN_LSB+:`TSL_ALU_DST_IN_W]);
        sro_v = 32'(insn[`TSL_ALU_SRC_OUT_LSB+:`TSL_ALU_SRC_OUT_W]);
        sri_v = 32'(insn[`TSL_ALU_SRC_IN_LSB+:`TSL_ALU_SRC_IN_W]);
        wgo_v = 0;
        wgi_v = 0;
      end else begin
        ub_v = 32'(insn[`TSL_INTRINSIC_UOP_BEGIN_LSB+:`TSL_INTRINSIC_UOP_BEGIN_W]);
        ue_v = 32'(insn[`TSL_INTRINSIC_UOP_END_LSB+:`TSL_INTRINSIC_UOP_END_W]);
        no_v = 32'(insn[`TSL_INTRINSIC_ITER_OUT_LSB+:`TSL_INTRINSIC_ITER_OUT_W]);
        ni_v = 32'(insn[`TSL_INTRINSIC_ITER_IN_LSB+:`TSL_INTRINSIC_ITER_IN_W]);
        dso_v = 32'(insn[`TSL_INTRINSIC_DST_OUT_LSB+:`TSL_INTRINSIC_DST_OUT_W]);
        dsi_v = 32'(insn[`TSL_INTRINSIC_DST_IN_LSB+:`TSL_INTRINSIC_DST_IN_W]);
        sro_v = 32'(insn[`TSL_INTRINSIC_SRC_OUT_LSB+:`TSL_INTRINSIC_SRC_OUT_W]);
        sri_v = 32'(insn[`TSL_INTRINSIC_SRC_IN_LSB+:`TSL_INTRINSIC_SRC_IN_W]);
        wgo_v = 32'(insn[`TSL_INTRINSIC_WGT_OUT_LSB+:`TSL_INTRINSIC_WGT_OUT_W]);
        wgi_v = 32'(insn[`TSL_INTRINSIC_WGT_IN_LSB+:`TSL_INTRINSIC_WGT_IN_W]);
      end
      u_v = ub_v;
      i_v = 0;
      o_v = 0;
      od_v = 0;
      os_v = 0;
      ow_v = 0;
      d_v = 0;
      s_v = 0;
      w_v = 0;
      act_v = ue_v > ub_v && no_v != 0 && ni_v != 0;
    end else begin
      {ub_v, ue_v, no_v, ni_v, dso_v, dsi_v, sro_v, sri_v, wgo_v, wgi_v} =
          {ub_r, ue_r, no_r, ni_r, dso_r, dsi_r, sro_r, sri_r, wgo_r, wgi_r};
      {u_v, i_v, o_v, od_v, os_v, ow_v, d_v, s_v, w_v} = {u_r, i_r, o_r, od_r, os_r, ow_r, d_r, s_r, w_r};
      act_v = act_r;
    end
  end

  logic last_u, last_i, last;
  assign last_u = u_v + 1 == ue_v;
  assign last_i = last_u && i_v + 1 == ni_v;
  assign last = last_i && o_v + 1 == no_v;
  assign beat = act_v;
  assign uop_idx = u_v;
  assign dst_base = d_v;
  assign src_base = s_v;
  assign wgt_base = w_v;

  always_ff @(posedge clk) begin
    if (rst) act_r <= 1'b0;
    else begin
      {ub_r, ue_r, no_r, ni_r, dso_r, dsi_r, sro_r, sri_r, wgo_r, wgi_r} <=
          {ub_v, ue_v, no_v, ni_v, dso_v, dsi_v, sro_v, sri_v, wgo_v, wgi_v};
      act_r <= act_v && !last;
      u_r <= last_u ? ub_v : u_v + 1;
      if (!last_u) begin
        {i_r, o_r, od_r, os_r, ow_r, d_r, s_r, w_r} <= {i_v, o_v, od_v, os_v, ow_v, d_v, s_v, w_v};
      end else if (!last_i) begin  // next inner iteration
        {i_r, o_r, od_r, os_r, ow_r} <= {i_v + 1, o_v, od_v, os_v, ow_v};
        {d_r, s_r, w_r} <= {d_v + dsi_v, s_v + sri_v, w_v + wgi_v};
      end else begin  // next outer iteration
        {i_r, o_r} <= {32'(0), o_v + 1};
        {od_r, os_r, ow_r} <= {od_v + dso_v, os_v + sro_v, ow_v + wgo_v};
        {d_r, s_r, w_r} <= {od_v + dso_v, os_v + sro_v, ow_v + wgo_v};
      end
    end
  end
endmodule
