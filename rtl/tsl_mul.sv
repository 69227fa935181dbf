// One product, exact, wrapped to the accumulator's width: both operands are
// widened by a bit so that signed and unsigned types multiply alike.
module tsl_mul #(
    parameter int AB = 8,
    parameter int AS = 1,
    parameter int BB = 8,
    parameter int BS = 1,
    parameter int OB = 32
) (
    input  logic [AB-1:0] a,
    input  logic [BB-1:0] b,
    output logic [OB-1:0] p
);
  localparam int PW = AB + BB + 2;
  logic signed [AB:0] ax;
  logic signed [BB:0] bx;
  logic signed [PW-1:0] prod;
  assign ax = {AS != 0 && a[AB-1], a};
  assign bx = {BS != 0 && b[BB-1], b};
  assign prod = PW'(ax) * PW'(bx);
  if (PW >= OB) begin : g_trunc
    assign p = prod[OB-1:0];
  end else begin : g_ext
    assign p = {{(OB - PW) {prod[PW-1]}}, prod};
  end
endmodule
