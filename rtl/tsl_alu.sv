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
  for (genvar v = 0; v < `TSL_ACC_VALUES; v++) begin : g_lane
    tsl_alu_lane #(.VB(VB)) u_lane (
        .op(op),
        .x (x[v*VB+:VB]),
        .y (use_imm ? imm : y[v*VB+:VB]),
        .z (z[v*VB+:VB])
    );
  end
  if (`TSL_ACC_VALUES * VB < ACC_W) begin : g_rest
    assign z[ACC_W-1:`TSL_ACC_VALUES*VB] = x[ACC_W-1:`TSL_ACC_VALUES*VB];
  end
endmodule
