`include "tessel_isa.vh"
/* verilator lint_off DECLFILENAME */  // a family of small units, one file

// IEEE binary32 and binary16 arithmetic as the simulator computes it
// (docs/microarch.md, "What instructions compute"): every result rounded to
// nearest, ties to even, subnormals kept (no flushing), overflow to
// infinity, and every NaN written as the canonical quiet NaN (fp32
// 0x7fc00000, fp16 0x7e00).  Combinational; each module is one operation
// so that the GEMM unit and the ALU lanes instantiate what they use.

// Rounds a value to the EW/MW format: sign, e (unbiased exponent of sig's
// top bit) and sig (SW bits; its top bit set unless sig is zero; the low
// bits may hold a sticky bit).  Zero gives a signed zero; too large gives
// infinity; too small for the format's normal range gives a subnormal or
// zero, rounded once.
module tsl_fp_pack #(
    parameter int EW = 8,
    parameter int MW = 23,
    parameter int SW = 48
) (
    input  logic                 sign,
    input  logic signed [13:0]   e,
    input  logic        [SW-1:0] sig,
    output logic        [EW+MW:0] z
);
  localparam int BIAS = (1 << (EW - 1)) - 1;
  localparam int EMAX = (1 << EW) - 1;  // the exponent field of infinity
  logic signed [14:0] be, under;  // biased exponent; how far below the normal range
  logic [SW-1:0] shifted;
  logic lost, g, s, up;
  logic [MW-1:0] frac;  // the fraction kept (the leading bit is implied)
  logic [EW+MW-1:0] field;
  logic [14:0] sh;
  always_comb begin
    be = 15'(e) + 15'(BIAS);
    under = 15'sd1 - be;
    sh = be >= 15'sd1 ? 15'd0 : (under > 15'(SW) ? 15'(SW) : under);
    shifted = sig >> sh;
    lost = sh == 0 ? 1'b0 : |(sig & ((SW'(1) << sh) - SW'(1)));
    if (sh == 15'(SW)) lost = |sig;
    frac = shifted[SW-2-:MW];
    g = shifted[SW-2-MW];
    s = |shifted[SW-3-MW:0] | lost;
    up = g & (s | frac[0]);
    field = {(be >= 15'sd1 ? be[EW-1:0] : EW'(0)), frac} + (EW + MW)'(up);
    if (sig == '0) z = {sign, (EW + MW)'(0)};
    else if (be >= 15'(EMAX)) z = {sign, EW'(EMAX), MW'(0)};
    else z = {sign, field};
  end
endmodule

// A binary32 value taken apart: its class, and for a finite nonzero value
// the unbiased exponent of its leading one and its significand normalised
// so that the leading one is bit 23 (subnormals shifted up).
module tsl_fp32_unpack (
    input  logic [31:0]        x,
    output logic               sign,
    output logic               zero,
    output logic               inf,
    output logic               nan,
    output logic signed [13:0] e,
    output logic        [23:0] sig
);
  logic [7:0] ef;
  logic [22:0] frac;
  int lead;
  assign sign = x[31];
  assign ef = x[30:23];
  assign frac = x[22:0];
  assign zero = ef == 0 && frac == 0;
  assign inf = ef == 8'hff && frac == 0;
  assign nan = ef == 8'hff && frac != 0;
  always_comb begin
    lead = 0;
    for (int i = 0; i < 23; i++) if (frac[i]) lead = i;
    if (ef != 0) begin
      e = 14'(ef) - 14'sd127;
      sig = {1'b1, frac};
    end else begin  // subnormal: frac · 2^-149
      e = 14'(lead) - 14'sd149;
      sig = 24'(frac) << (23 - lead);
    end
  end
endmodule

// x + y in binary32.  The smaller operand is aligned below the larger one's
// significand with 27 bits to spare and the rest folded into a sticky bit,
// so that the one-place normalisation after a subtraction never moves the
// sticky bit into the rounding position.
module tsl_fp32_add (
    input  logic [31:0] x,
    input  logic [31:0] y,
    output logic [31:0] z
);
  localparam logic [31:0] NAN = 32'h7fc00000;
  logic xs, xz, xi, xn, ys, yz, yi, yn;
  logic signed [13:0] xe, ye;
  logic [23:0] xm, ym;
  tsl_fp32_unpack u_x (.x(x), .sign(xs), .zero(xz), .inf(xi), .nan(xn), .e(xe), .sig(xm));
  tsl_fp32_unpack u_y (.x(y), .sign(ys), .zero(yz), .inf(yi), .nan(yn), .e(ye), .sig(ym));
  logic swap, as, bs;
  logic signed [13:0] ae, be;
  logic [23:0] am, bm;
  logic [51:0] a, b, bfull, sum;
  logic signed [13:0] re;
  logic [51:0] norm;
  logic [31:0] packed_z;
  logic signed [13:0] d;
  int top;
  always_comb begin
    // the operand of larger magnitude first (zeros have none)
    swap = xz || (!yz && (ye > xe || (ye == xe && ym > xm)));
    as = swap ? ys : xs;
    bs = swap ? xs : ys;
    ae = swap ? ye : xe;
    be = swap ? xe : ye;
    am = swap ? ym : xm;
    bm = swap ? xm : ym;
    if (swap ? xz : yz) bm = '0;
    a = {1'b0, am, 27'b0};
    bfull = {1'b0, bm, 27'b0};
    d = ae - be;
    if (bm == 0) b = '0;
    else if (d >= 14'sd52) b = 52'(1);
    else b = (bfull >> d) | 52'((bfull & ((52'(1) << d) - 52'(1))) != 0);
    sum = as == bs ? a + b : a - b;
    top = 0;
    for (int i = 0; i < 52; i++) if (sum[i]) top = i;
    norm = sum << (51 - top);
    re = ae + 14'(top) - 14'sd50;
  end
  tsl_fp_pack #(
      .EW(8),
      .MW(23),
      .SW(52)
  ) u_pack (
      .sign(as),
      .e(re),
      .sig(norm),
      .z(packed_z)
  );
  always_comb begin
    if (xn || yn || (xi && yi && xs != ys)) z = NAN;
    else if (xi) z = x;
    else if (yi) z = y;
    else if (xz && yz) z = {xs & ys, 31'b0};  // -0 only from -0 + -0
    else if (sum == 0) z = 32'b0;  // x + -x: +0 when rounding to nearest
    else z = packed_z;
  end
endmodule

// x · y in binary32 (exact for binary16 operands widened to binary32).
module tsl_fp32_mul (
    input  logic [31:0] x,
    input  logic [31:0] y,
    output logic [31:0] z
);
  localparam logic [31:0] NAN = 32'h7fc00000;
  logic xs, xz, xi, xn, ys, yz, yi, yn;
  logic signed [13:0] xe, ye;
  logic [23:0] xm, ym;
  tsl_fp32_unpack u_x (.x(x), .sign(xs), .zero(xz), .inf(xi), .nan(xn), .e(xe), .sig(xm));
  tsl_fp32_unpack u_y (.x(y), .sign(ys), .zero(yz), .inf(yi), .nan(yn), .e(ye), .sig(ym));
  logic [47:0] p, sig;
  logic signed [13:0] re;
  logic [31:0] packed_z;
  always_comb begin
    p = 48'(xm) * 48'(ym);
    sig = p[47] ? p : p << 1;
    re = xe + ye + (p[47] ? 14'sd1 : 14'sd0);
  end
  tsl_fp_pack #(
      .EW(8),
      .MW(23),
      .SW(48)
  ) u_pack (
      .sign(xs ^ ys),
      .e(re),
      .sig(sig),
      .z(packed_z)
  );
  always_comb begin
    if (xn || yn || (xi && yz) || (xz && yi)) z = NAN;
    else if (xi || yi) z = {xs ^ ys, 8'hff, 23'b0};
    else if (xz || yz) z = {xs ^ ys, 31'b0};
    else z = packed_z;
  end
endmodule

// x · 2^-n in binary32, n = y truncated toward zero and clamped to ±1000;
// NaN when y is NaN (the ALU's `shr` on a float accumulator).
module tsl_fp32_shr (
    input  logic [31:0] x,
    input  logic [31:0] y,
    output logic [31:0] z
);
  localparam logic [31:0] NAN = 32'h7fc00000;
  logic xs, xz, xi, xn, ys, yz, yi, yn;
  logic signed [13:0] xe, ye;
  logic [23:0] xm, ym;
  tsl_fp32_unpack u_x (.x(x), .sign(xs), .zero(xz), .inf(xi), .nan(xn), .e(xe), .sig(xm));
  tsl_fp32_unpack u_y (.x(y), .sign(ys), .zero(yz), .inf(yi), .nan(yn), .e(ye), .sig(ym));
  logic signed [13:0] n, re;
  logic [31:0] packed_z;
  always_comb begin
    if (yz || ye < 0) n = 0;
    else if (yi || ye >= 10) n = 1000;  // |y| >= 1024
    else n = 14'(ym >> (23 - ye));
    if (n > 1000) n = 1000;
    if (ys) n = -n;
    re = xe - n;
  end
  tsl_fp_pack #(
      .EW(8),
      .MW(23),
      .SW(26)
  ) u_pack (
      .sign(xs),
      .e(re),
      .sig({xm, 2'b0}),
      .z(packed_z)
  );
  always_comb begin
    if (xn || yn) z = NAN;
    else if (xi || xz) z = x;
    else z = packed_z;
  end
endmodule

// A binary16 value widened to binary32, exactly (NaN: the canonical one).
module tsl_fp16_to_fp32 (
    input  logic [15:0] h,
    output logic [31:0] z
);
  localparam logic [31:0] NAN = 32'h7fc00000;
  logic [4:0] ef;
  logic [9:0] frac;
  int lead;
  assign ef = h[14:10];
  assign frac = h[9:0];
  always_comb begin
    lead = 0;
    for (int i = 0; i < 10; i++) if (frac[i]) lead = i;
    if (ef == 5'h1f) z = frac != 0 ? NAN : {h[15], 8'hff, 23'b0};
    else if (ef != 0) z = {h[15], 8'(ef) + 8'd112, frac, 13'b0};
    else if (frac == 0) z = {h[15], 31'b0};
    else z = {h[15], 8'(lead + 103), 23'(frac) << (23 - lead)};  // frac · 2^-24
  end
endmodule

// A binary32 value rounded to binary16.
module tsl_fp32_to_fp16 (
    input  logic [31:0] x,
    output logic [15:0] z
);
  logic xs, xz, xi, xn;
  logic signed [13:0] xe;
  logic [23:0] xm;
  logic [15:0] packed_z;
  tsl_fp32_unpack u_x (.x(x), .sign(xs), .zero(xz), .inf(xi), .nan(xn), .e(xe), .sig(xm));
  tsl_fp_pack #(
      .EW(5),
      .MW(10),
      .SW(24)
  ) u_pack (
      .sign(xs),
      .e(xe),
      .sig(xm),
      .z(packed_z)
  );
  always_comb begin
    if (xn) z = 16'h7e00;
    else if (xi) z = {xs, 5'h1f, 10'b0};
    else if (xz) z = {xs, 15'b0};
    else z = packed_z;
  end
endmodule

// A signed integer of at most 24 significant bits as binary32, exactly.
module tsl_int_to_fp32 (
    input  logic [31:0] v,  // two's complement
    output logic [31:0] z
);
  logic [31:0] mag;
  int lead;
  always_comb begin
    mag = v[31] ? -v : v;
    lead = 0;
    for (int i = 0; i < 32; i++) if (mag[i]) lead = i;
    if (mag == 0) z = 32'b0;
    else if (lead <= 23) z = {v[31], 8'(lead + 127), 23'(mag << (23 - lead))};
    else z = {v[31], 8'(lead + 127), 23'(mag >> (lead - 23))};
  end
endmodule

// One value of the ALU on a binary32 accumulator (docs/microarch.md): the
// integer lane's operations as the simulator computes them on floats.
module tsl_alu_lane_fp (
    input  logic [`TSL_ALU_OP_W-1:0] op,
    input  logic [31:0]              x,
    input  logic [31:0]              y,
    output logic [31:0]              z
);
  localparam logic [31:0] NAN = 32'h7fc00000;
  // x < y as IEEE compares: false when either is NaN; -0 equals +0
  function automatic logic lt(input logic [31:0] p, input logic [31:0] q);
    if ((p[30:23] == 8'hff && p[22:0] != 0) || (q[30:23] == 8'hff && q[22:0] != 0) || (p[30:0] == 0 && q[30:0] == 0))
      lt = 1'b0;
    else if (p[31] != q[31]) lt = p[31];
    else lt = p[31] ? p[30:0] > q[30:0] : p[30:0] < q[30:0];
  endfunction
  logic [31:0] sum, prod, shr, ny, r;
  tsl_fp32_add u_add (.x(x), .y(y), .z(sum));
  tsl_fp32_mul u_mul (.x(x), .y(y), .z(prod));
  tsl_fp32_shr u_shr (.x(x), .y(y), .z(shr));
  assign ny = {~y[31], y[30:0]};
  always_comb begin
    case (op)
      // min, max: x (dst) where unordered or equal (sim/exec.c alu_float)
      `TSL_ALU_OP_W'(`TSL_ALU_MIN): r = lt(y, x) ? y : x;
      `TSL_ALU_OP_W'(`TSL_ALU_MAX): r = lt(x, y) ? y : x;
      `TSL_ALU_OP_W'(`TSL_ALU_ADD): r = sum;
      `TSL_ALU_OP_W'(`TSL_ALU_MUL): r = prod;
      `TSL_ALU_OP_W'(`TSL_ALU_SHR): r = shr;
      `TSL_ALU_OP_W'(`TSL_ALU_CLIP): r = lt(x, ny) ? ny : lt(y, x) ? y : x;
      default: r = y;
    endcase
    z = r[30:23] == 8'hff && r[22:0] != 0 ? NAN : r;
  end
endmodule
