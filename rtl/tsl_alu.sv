// The vector ALU on one accumulator element, combinational: one lane unit
// per value (the ALU's `lanes` only set its timing, in the compute module).
`include "tessel_isa.vh"

module tsl_alu #(
    parameter int ACC_W = `TSL_ACCUMULATOR_ELEM_BYTES * 8,
    parameter int VB = `TSL_ACC_BITS
) (
    input  logic [`TSL_ALU_OP_W-1:0] op,
    input  logic                     use_imm,
    input  logic [VB-1:0]            imm,    // sign-extended immediate
    input  logic [ACC_W-1:0]         x,
    input  logic [ACC_W-1:0]         y,
    output logic [ACC_W-1:0]         z
);
  localparam int NV = `TSL_ACC_VALUES;
  logic [VB-1:0] lane[NV];  // each lane's result
  if (`TSL_ACC_FLOAT) begin : g_float
    logic [31:0] imm_f;  // the immediate converted, as a binary32 value
    tsl_int_to_fp32 u_imm (
        .v(32'(imm)),  // sign-extended to the accumulator's width already
        .z(imm_f)
    );
    for (genvar v = 0; v < NV; v++) begin : g_lane
      tsl_alu_lane_fp u_lane (
          .op(op),
          .x (x[v*VB+:VB]),
          .y (use_imm ? imm_f : y[v*VB+:VB]),
          .z (lane[v])
      );
    end
  end else begin : g_int
    for (genvar v = 0; v < NV; v++) begin : g_lane
      tsl_alu_lane #(.VB(VB)) u_lane (
          .op(op),
          .x (x[v*VB+:VB]),
          .y (use_imm ? imm : y[v*VB+:VB]),
          .z (lane[v])
      );
    end
  end
  // the lanes' results placed in a loop (a generate's slices would be built
  // by concatenation, quadratic in the lanes); bits above them keep x's
  always_comb begin
    z = x;
    for (int v = 0; v < NV; v++) z[v*VB+:VB] = lane[v];
  end
endmodule
