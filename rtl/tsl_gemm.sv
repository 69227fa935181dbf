// The intrinsic's tile computation, combinational: for every output value
// of the tile, a dot-product unit over the reduction dimensions.  Which
// values of the input and weight elements each unit multiplies comes from
// the einsum flattened in the generated header (per dimension: size, step
// in each operand, reduction or not), walked here at elaboration time.
`include "tessel_isa.vh"
/* verilator lint_off DECLFILENAME */  // the unit, its dot products and their tables

// The einsum's tables, read at elaboration only: no line here runs in
// simulation, so none is a coverage point.
/* verilator coverage_off */
package tsl_gemm_dims;
  localparam int ND = `TSL_NINTRINSICS * `TSL_GEMM_MAX_DIMS;
  localparam logic [ND*32-1:0] SIZES = `TSL_GEMM_SIZES, REDS = `TSL_GEMM_REDS;
  localparam logic [ND*32-1:0] STEPS_OUT = `TSL_GEMM_STEPS_OUT, STEPS_A = `TSL_GEMM_STEPS_A;
  localparam logic [ND*32-1:0] STEPS_B = `TSL_GEMM_STEPS_B;
  // dimension d of intrinsic k: entry k * MAX_DIMS + d of each table
  function automatic int dim_size(input int k, input int d);
    dim_size = 32'(SIZES[(k*`TSL_GEMM_MAX_DIMS+d)*32+:32]);
  endfunction
  function automatic bit dim_red(input int k, input int d);
    dim_red = REDS[(k*`TSL_GEMM_MAX_DIMS+d)*32];
  endfunction
  // which: 0 output, 1 input (a), 2 weight (b)
  function automatic int dim_step(input int k, input int d, input int which);
    int e;  // the entry
    e = k * `TSL_GEMM_MAX_DIMS + d;
    dim_step = 32'(which == 0 ? STEPS_OUT[e*32+:32] : which == 1 ? STEPS_A[e*32+:32] : STEPS_B[e*32+:32]);
  endfunction
  // Offset in operand `which` of intrinsic k's spatial point sp and
  // reduction point rd (each a row-major index over its dimensions, the
  // last fastest).
  function automatic int offset(input int k, input int sp, input int rd, input int which);
    int s, r, o;
    s = sp;
    r = rd;
    o = 0;
    for (int d = `TSL_GEMM_MAX_DIMS - 1; d >= 0; d--) begin
      if (dim_red(k, d)) begin
        o = o + (r % dim_size(k, d)) * dim_step(k, d, which);
        r = r / dim_size(k, d);
      end else begin
        o = o + (s % dim_size(k, d)) * dim_step(k, d, which);
        s = s / dim_size(k, d);
      end
    end
    offset = o;
  endfunction
  // how many spatial (red = 0) or reduction (red = 1) points intrinsic k has
  function automatic int count(input int k, input bit red);
    int n;
    n = 1;
    for (int d = 0; d < `TSL_GEMM_MAX_DIMS; d++) if (dim_red(k, d) == red) n = n * dim_size(k, d);
    count = n;
  endfunction
endpackage
/* verilator coverage_on */

module tsl_gemm #(
    parameter int K = 0,  // which intrinsic of the description
    parameter int ACC_W = `TSL_ACCUMULATOR_ELEM_BYTES * 8,
    parameter int A_W = `TSL_INPUT_ELEM_BYTES * 8,
    parameter int B_W = `TSL_WEIGHT_ELEM_BYTES * 8
) (
    input  logic             reset,  // start from zero instead of acc_in
    input  logic [ACC_W-1:0] acc_in,
    input  logic [A_W-1:0]   a,
    input  logic [B_W-1:0]   b,
    output logic [ACC_W-1:0] acc_out
);
  localparam int OB = `TSL_GEMM_OUT_BITS;
  localparam int NOUT = tsl_gemm_dims::count(K, 0);

  // Each output value's sum, placed in the accumulator element in a loop
  // (Verilator builds a generate's slices by concatenation, quadratic in
  // NOUT); values of the element outside the tile keep their value.
  // (sum is indexed by the value's place in the tile: the output tile's
  // values are its first NOUT, row-major).
  logic [OB-1:0] sum[NOUT];
  always_comb begin
    acc_out = acc_in;
    for (int v = 0; v < NOUT; v++) acc_out[v*OB+:OB] = sum[v];
  end

  // One dot-product module per output value, so that each is elaborated
  // with a scope of its own products (a single generate over every product
  // made Yosys 0.23's elaboration quadratic in the MACs: 4096 did not
  // finish in 12 minutes).
  for (genvar n = 0; n < NOUT; n++) begin : g_out
    localparam int OO = tsl_gemm_dims::offset(K, n, 0, 0);
    tsl_gemm_dot #(
        .K(K),
        .N(n),
        .A_W(A_W),
        .B_W(B_W)
    ) u_dot (
        .init(reset ? '0 : acc_in[OO*OB+:OB]),
        .a(a),
        .b(b),
        .sum(sum[OO])
    );
  end
endmodule

// Output value N of intrinsic K: init plus the products over the reduction
// points, added in order of the reduction index.  Integers wrap; floats are
// binary16 operands widened exactly, products exact in binary32, each sum
// rounded (tsl_fp.sv).
module tsl_gemm_dot #(
    parameter int K = 0,
    parameter int N = 0,
    parameter int A_W = 8,
    parameter int B_W = 8
) (
    input  logic [`TSL_GEMM_OUT_BITS-1:0] init,
    /* verilator lint_off UNUSEDSIGNAL */  // a dot product reads only its own values
    input  logic [A_W-1:0]                a,
    input  logic [B_W-1:0]                b,
    /* verilator lint_on UNUSEDSIGNAL */
    output logic [`TSL_GEMM_OUT_BITS-1:0] sum
);
  localparam int OB = `TSL_GEMM_OUT_BITS;
  localparam int NRED = tsl_gemm_dims::count(K, 1);
  logic [OB-1:0] part[NRED+1]  /* verilator split_var */;
  assign part[0] = init;
  for (genvar r = 0; r < NRED; r++) begin : g_red
    localparam int AO = tsl_gemm_dims::offset(K, N, r, 1), BO = tsl_gemm_dims::offset(K, N, r, 2);
    if (`TSL_GEMM_OUT_FLOAT) begin : g_float
      logic [31:0] fa, fb, p;
      tsl_fp16_to_fp32 u_a (
          .h(a[AO*16+:16]),
          .z(fa)
      );
      tsl_fp16_to_fp32 u_b (
          .h(b[BO*16+:16]),
          .z(fb)
      );
      tsl_fp32_mul u_mul (
          .x(fa),
          .y(fb),
          .z(p)
      );
      tsl_fp32_add u_add (
          .x(part[r]),
          .y(p),
          .z(part[r+1])
      );
    end else begin : g_int
      logic [OB-1:0] p;
      tsl_mul #(
          .AB(`TSL_GEMM_A_BITS),
          .AS(`TSL_GEMM_A_SIGNED),
          .BB(`TSL_GEMM_B_BITS),
          .BS(`TSL_GEMM_B_SIGNED),
          .OB(OB)
      ) u_mul (
          .a(a[AO*`TSL_GEMM_A_BITS+:`TSL_GEMM_A_BITS]),
          .b(b[BO*`TSL_GEMM_B_BITS+:`TSL_GEMM_B_BITS]),
          .p(p)
      );
      assign part[r+1] = part[r] + p;
    end
  end
  assign sum = part[NRED];
endmodule
