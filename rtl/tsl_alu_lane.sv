`include "tessel_isa.vh"

// docs/microarch.md, "What instructions compute", integer accumulator.
module tsl_alu_lane #(
    parameter int VB = 32
) (
    input  logic [`TSL_ALU_OP_W-1:0] op,
    input  logic signed [VB-1:0]     x,
    input  logic signed [VB-1:0]     y,
    output logic signed [VB-1:0]     z
);
  logic signed [VB:0] ny;  // -y, one bit wider so that -min does not wrap
  logic signed [VB-1:0] lo, shr, rq;
  assign ny = -{y[VB-1], y};
  assign lo = ~y;  // -y - 1
  always_comb begin
    if (!y[VB-1]) shr = x >>> (y > VB - 1 ? VB - 1 : y);
    else shr = ny >= (VB + 1)'(VB) ? '0 : x << ny;
  end
  // requant: the shift, then the output dtype's range (hw_requant_bounds)
  always_comb begin
    if (`TSL_ALU_HAS_REQUANT && shr < VB'(`TSL_REQUANT_LO)) rq = VB'(`TSL_REQUANT_LO);
    else if (`TSL_ALU_HAS_REQUANT && shr > VB'(`TSL_REQUANT_HI)) rq = VB'(`TSL_REQUANT_HI);
    else rq = shr;
  end
  always_comb begin
    case (op)
      `TSL_ALU_OP_W'(`TSL_ALU_MIN): z = x < y ? x : y;
      `TSL_ALU_OP_W'(`TSL_ALU_MAX): z = x > y ? x : y;
      `TSL_ALU_OP_W'(`TSL_ALU_ADD): z = x + y;
      `TSL_ALU_OP_W'(`TSL_ALU_MUL): z = x * y;
      `TSL_ALU_OP_W'(`TSL_ALU_SHR): z = shr;
      `TSL_ALU_OP_W'(`TSL_ALU_CLIP): z = x < lo ? lo : x > y ? y : x;
      `TSL_ALU_OP_W'(`TSL_ALU_REQUANT): z = `TSL_ALU_HAS_REQUANT ? rq : y;
      default: z = y;  // mov
    endcase
  end
endmodule
