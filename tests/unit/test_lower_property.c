/* Property test of tensorization and lowering: random conv2d, depthwise,
 * dense, matmul and batched matmul ops (odd sizes, strides, dilation,
 * asymmetric padding, sizes below the intrinsic, random epilogues, int8 and
 * wide outputs) on every example configuration, each compiled with a random
 * legal binding and either the default or a random legal mapping (for two
 * in three, where the op has one, a binding in the direct form: its input
 * streamed from its DRAM layout), and convolutions reading a tensor another
 * op computed in that op's layout (dot-i8: 16-value elements read as groups
 * of four 4-value ones), and convolutions cut into bands on elements of
 * several rows (server-wide, mma-fp16; depthwise ones loading their weights'
 * diagonals through the shared level), depthwise layers with the matcher's
 * best binding (vector-mac: its vector MAC), requantizing epilogues the
 * lowering fuses (`requant` on edge-tiny) and blocks that start from their
 * bias (server-wide), output tiles that start from a constant bias's digits
 * as a beat (edge-tiny; biases at the ends of what the digits hold and past
 * them), inputs and outputs of fewer channels than lanes packed in DRAM
 * (narrow loads and stores), weights whose last row of tiles lies in DRAM
 * with only its rows (narrow loads, or the DMA's padding into a shared
 * level), weight elements of fewer values along K than lanes with only those
 * (narrow loads), direct blocks of a part of one row whose row ends in a
 * shorter block, grouped layers whose whole bias stays in the accumulator
 * per group, run on the simulator, and compared with the reference
 * interpreter (tests/unit/ir_interp.h), which shares no code with either. */
#include "opcase.h"

/* A random mapping that fits, or the default. */
static struct tz_mapping pick_mapping(const struct tz_geometry *geo, bool random)
{
	struct tz_mapping m;
	char why[256];
	for (int tries = 0; random && tries < 200; tries++) {
		m = (struct tz_mapping){geo->b, rnd(1, geo->count[TZ_G_M]), rnd(1, geo->count[TZ_G_N]),
					rnd(1, geo->count[TZ_G_K]), rnd(0, 1), (int)rnd(1, 2), (int)rnd(1, 2), (int)rnd(1, 2),
					rnd(0, 1), rnd(0, 1), false, 0, rnd(0, 2) ? 0 : rnd(1, 6), 0};
		/* the inner operand's pass of blocks kept, for half the blocking
		 * (chosen from it: the random cases after it stay as they were) */
		int64_t pass = tz_pass_ring(geo, &m);
		if ((m.bm + m.bn + m.bk) % 2 && !m.panel && pass > 2 && pass <= TZ_MAX_RING)
			*(m.n_outer ? &m.ring_a : &m.ring_b) = (int)pass;
		if (!tz_mapping_check(geo, &m, why))
			return m;
	}
	ASSERT_EQ(tz_default_mapping(geo, &m, why), 0);
	return m;
}

/* A random direct mapping that fits, or the default direct one. */
static struct tz_mapping pick_direct(const struct tz_geometry *geo, bool random)
{
	struct tz_mapping m;
	char why[256];
	int64_t bm[TZ_DIRECT_CANDIDATES], rows[TZ_DIRECT_CANDIDATES], share[TZ_DIRECT_CANDIDATES], bn[TZ_DIRECT_CANDIDATES],
		bk[TZ_DIRECT_CANDIDATES];
	int nm, nn, nk;
	ASSERT_EQ(tz_direct_candidates(geo, bm, rows, share, &nm, bn, &nn, bk, &nk), 0);
	for (int tries = 0; random && tries < 200; tries++) {
		int i = (int)rnd(0, nm - 1);
		m = (struct tz_mapping){geo->b, bm[i], bn[rnd(0, nn - 1)], bk[rnd(0, nk - 1)], rnd(0, 1), (int)rnd(1, 2),
					(int)rnd(1, 2), (int)rnd(1, 2), false, false, true, rows[i], 0, share[i]};
		if (!tz_mapping_check(geo, &m, why))
			return m;
	}
	ASSERT_EQ(tz_default_direct(geo, &m, why), 0);
	return m;
}

/* A random binding of m with a direct form, or -1. */
static int direct_binding(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_match *m)
{
	int ok[TZ_MAX_BINDINGS], n = 0;
	for (int i = 0; i < m->nbindings; i++) {
		struct tz_geometry geo;
		tz_geometry_init(&geo, hw, g, op, &m->binding[i]);
		struct tz_mapping d;
		char why[256];
		if (geo.dir.ok && !tz_default_direct(&geo, &d, why))
			ok[n++] = i;
	}
	return n ? ok[rnd(0, n - 1)] : -1;
}

static int verified, cases, direct_cases, part_rows; /* part_rows: direct blocks of several rows of a part of each row */
static int short_cols; /* direct blocks of a part of one row whose row's last block is shorter */
static int shared_boxes; /* direct blocks of whole rows, several reading one box */
static int panels; /* the inner loop's operand kept in the shared level in panels, a panel loop outermost */
static int wide_diagonal; /* diagonal bindings whose output elements are wider than a's (dot-i8) */
static int diagonal_loads; /* diagonal bindings whose B tiles lie in DRAM as their diagonals (tz_geometry's b_diag) */
static int kvals_loads; /* B tiles of several elements, each its first values along K in DRAM (tz_geometry's b_kvals) */

static int vector_mac; /* direct bindings with one iterator along a's and the output's lanes, not diagonal */

/* Whether geo is a vector MAC's binding (acc[p, c] += inp[p, c] * wgt[c]) in the direct form. */
static bool is_vector_mac(const struct tz_geometry *geo, const struct tz_mapping *map)
{
	return map->direct && geo->dir.lanewise && tz_diagonal(&geo->b) < 0;
}

/* Whether a diagonal binding's output block takes several of a's tiles. */
static bool is_wide_diagonal(const struct hw *hw, const struct tz_geometry *geo)
{
	const struct hw_intrinsic *in = &hw->intrinsic[geo->b.intrinsic];
	return tz_diagonal(&geo->b) >= 0 && in->out.tile_elems > in->a.tile_elems;
}

/* Ops whose epilogues the lowering fused (fewer passes than one per operation), of them with a requant, in
 * each form; bias_cases: with a bias; bias_res_batch: in the GEMM form, its whole bias resident per batch index. */
static int fused_cases, requant_gemm, requant_direct, bias_cases, bias_init_cases, bias_init_direct, bias_res_batch;
/* Ops whose tiles start from their bias as digits (tz_bias_beat), in each
 * form; of them, with digits per batch index (a diagonal binding's channel tiles). */
static int beat_gemm, beat_direct, beat_batch, beat_per_block; /* per block: a block's digits in one of two buffers */
/* Direct-form ops whose input or output lies packed in a narrow layout
 * (fewer channels than lanes), moved by narrow loads or stores. */
static int narrow_in, narrow_out;
/* Ops whose B holds only the rows of its last row of tiles along N
 * (tz_geometry's b_narrow): in the GEMM form, in the direct form, through a
 * shared level (the DMA's padding), with several batches. */
static int narrow_b_gemm, narrow_b_direct, narrow_b_shared, narrow_b_batches, narrow_b_elems;
static int pass_rings; /* GEMM-form ops whose inner operand keeps a pass's blocks in its buffers */
static int serpentine; /* integer ops whose output blocks alternate their reduction blocks' order */

static void count_passes(const struct hw *hw, const struct ir_op *op, const struct tz_geometry *geo,
			 const struct tz_mapping *map)
{
	struct tz_pass p[TZ_MAX_PASSES];
	bool init = tz_bias_init(geo, map), direct = map->direct;
	int n = tz_epilogue_passes(hw, op, init || tz_bias_beat(geo, map), p), unfused = 0;
	bool requant = false, bias = false;
	for (int e = 0; e < op->nepilogues; e++) {
		enum hw_alu_op ops[2];
		int64_t imm[2];
		unfused += tz_epilogue_alu(hw, op->acc, &op->epilogue[e], ops, imm);
		bias |= op->epilogue[e].kind == IR_EP_BIAS;
	}
	for (int i = 0; i < n; i++)
		requant |= p[i].op == HW_ALU_REQUANT;
	fused_cases += n < unfused;
	requant_gemm += requant && !direct, requant_direct += requant && direct, bias_cases += bias;
	bias_init_cases += init, bias_init_direct += init && direct;
	bias_res_batch += !direct && tz_bias_resident(geo, map) >= 0 && tz_bias_count(geo, TZ_G_BATCH) > 1;
	beat_gemm += tz_bias_beat(geo, map) && !direct, beat_direct += tz_bias_beat(geo, map) && direct;
	beat_batch += tz_bias_beat(geo, map) && geo->beat_group == TZ_G_BATCH;
	beat_per_block += tz_beat_mode(geo, map) == TZ_BEAT_PER_BLOCK;
	if (geo->b_narrow && !map->keep_b) {
		narrow_b_gemm += !direct, narrow_b_direct += direct;
		narrow_b_shared += hw->level[hw->intrinsic[geo->b.intrinsic].b.level].parent >= 0;
		narrow_b_batches += geo->count[TZ_G_BATCH] > 1;
		narrow_b_elems += geo->eb > 1; /* tiles of several elements: their first ones in DRAM */
	}
}

/* Compiles op with a random binding and mapping, runs it, compares. */
static void check_case(const struct hw *hw, struct opcase *r, int op, const char *what)
{
	if (r->g.op[op].reduce == IR_REDUCE_MAX) { /* max pooling: on the ALU */
		struct tz_pool p;
		char why[256];
		ASSERT_EQ(tz_pool_match(hw, &r->g, op, &p, why), 0);
		cases++;
		verified += opcase_verify(hw, r, op, NULL, what);
		return;
	}
	struct tz_match m;
	tz_match_op(hw, &r->g, op, &m);
	ASSERT(m.nbindings > 0);
	if (!m.nbindings) {
		fprintf(stderr, "%s: no binding: %s\n", what, m.nrejects ? m.reject[0].why : "");
		return;
	}
	struct tz_geometry geo;
	int direct = rnd(0, 2) ? direct_binding(hw, &r->g, op, &m) : -1;
	tz_geometry_init(&geo, hw, &r->g, op, &m.binding[direct >= 0 ? direct : rnd(0, 1) ? 0 : rnd(0, m.nbindings - 1)]);
	if (direct < 0 && tz_diagonal(&geo.b) >= 0) /* a diagonal binding: the direct form only */
		direct = 0;
	struct tz_mapping map = direct >= 0 ? pick_direct(&geo, rnd(0, 1)) : pick_mapping(&geo, rnd(0, 1));
	direct_cases += direct >= 0;
	part_rows += map.direct && map.box_rows > 0;
	tz_match_free(&m);
	cases++;
	bool ok = opcase_verify(hw, r, op, &map, what);
	verified += ok, wide_diagonal += ok && is_wide_diagonal(hw, &geo), vector_mac += ok && is_vector_mac(&geo, &map);
	diagonal_loads += ok && geo.b_diag, kvals_loads += ok && geo.b_kvals;
	if (ok)
		count_passes(hw, &r->g.op[op], &geo, &map);
	/* (in the GEMM form, with several output blocks: blocks that start from the reduction blocks the one before ended with) */
	serpentine += ok && tz_serpentine(&geo, &map) && !map.direct &&
		      geo.count[TZ_G_BATCH] * ((geo.count[TZ_G_M] + map.bm - 1) / map.bm) * ((geo.count[TZ_G_N] + map.bn - 1) / map.bn) > 1;
	pass_rings += ok && !map.direct && (map.n_outer ? map.ring_a : map.ring_b) > 2;
	short_cols += ok && map.direct && !map.box_rows && map.bm < geo.dir.cols && geo.dir.cols % map.bm;
	narrow_in += ok && map.direct && tz_layout_narrow_values(&geo.dir.a);
	narrow_out += ok && map.direct && tz_layout_narrow_values(&geo.dir.out);
}

/* A random direct mapping that fits, or false: of several rows of a part
 * of each row, or (`shared`) of whole rows, several blocks reading one
 * box. */
static bool pick_part_rows(const struct tz_geometry *geo, bool shared, struct tz_mapping *m)
{
	int64_t bm[TZ_DIRECT_CANDIDATES], rows[TZ_DIRECT_CANDIDATES], share[TZ_DIRECT_CANDIDATES], bn[TZ_DIRECT_CANDIDATES],
		bk[TZ_DIRECT_CANDIDATES];
	int nm, nn, nk, part[TZ_DIRECT_CANDIDATES], np = 0;
	char why[256];
	if (tz_direct_candidates(geo, bm, rows, share, &nm, bn, &nn, bk, &nk))
		return false;
	for (int i = 0; i < nm; i++)
		if (shared ? share[i] > 1 : rows[i] > 0)
			part[np++] = i;
	for (int tries = 0; np && tries < 200; tries++) {
		int i = part[rnd(0, np - 1)];
		*m = (struct tz_mapping){geo->b, bm[i], bn[rnd(0, nn - 1)], shared ? bk[nk - 1] : bk[rnd(0, nk - 1)], rnd(0, 1),
					 (int)rnd(1, 2), (int)rnd(1, 2), (int)rnd(1, 2), false, false, true, rows[i], 0, share[i]};
		if (!tz_mapping_check(geo, m, why))
			return true;
	}
	return false;
}

/* Convolutions and depthwise layers of 6 to 16 points a side (strides,
 * dilation, padding random): with a block of several rows of a part of each
 * row, each row's halo is loaded with its block, and the box of a last,
 * shorter block of rows is cut; with blocks of whole rows sharing a box
 * (`shared`), each block's micro-ops start at its rows, and a last group of
 * fewer blocks has a shorter box.  Returns how many were verified so. */
static int check_part_rows(const struct hw *hw, const char *config, int n, bool shared)
{
	int done = 0;
	bool flt = hw->intrinsic[0].a.dtype == DT_FP16;
	enum dtype dt = flt ? DT_FP16 : DT_INT8;
	for (int i = 0; i < n; i++) {
		struct opcase r = {0};
		bool dw = rnd(0, 2) == 0;
		int64_t C = rnd(1, 40), O = dw ? C : rnd(1, 40), G = dw ? C : 1;
		int64_t H = rnd(6, 16), W = rnd(6, 16), KH = rnd(1, 3), KW = rnd(1, 3);
		struct ir_conv2d_attrs a = {{rnd(1, 2), rnd(1, 2)}, {rnd(0, 2), rnd(0, 2), rnd(0, 2), rnd(0, 2)},
					    {rnd(1, 2), rnd(1, 2)}, G, false};
		int in = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, dt, 4, (int64_t[]){1, H, W, C}, "NHWC", &r.err);
		int w = ir_add_tensor(&r.g, "w", IR_TENSOR_WEIGHT, dt, 4, (int64_t[]){O, KH, KW, C / G}, "OHWI", &r.err);
		int op = ir_conv2d(&r.g, "conv", in, w, &a, "y", flt ? DT_FP16 : DT_INT32, &r.err);
		struct tz_match m = {0};
		int b = op < 0 ? -1 : (tz_match_op(hw, &r.g, op, &m), direct_binding(hw, &r.g, op, &m));
		struct tz_geometry geo;
		struct tz_mapping map;
		if (b >= 0) {
			tz_geometry_init(&geo, hw, &r.g, op, &m.binding[b]);
			if (pick_part_rows(&geo, shared, &map)) {
				fill(&r);
				char what[160];
				snprintf(what, sizeof what, "%s %s case %d: %s %lldx%lld, bm %lld, box %lld rows, share %lld", config,
					 shared ? "shared-box" : "part-rows", i, dw ? "depthwise" : "conv2d", (long long)H, (long long)W,
					 (long long)map.bm, (long long)map.box_rows, (long long)map.share);
				cases++;
				part_rows += !shared;
				int ok = opcase_verify(hw, &r, op, &map, what);
				verified += ok, done += ok, wide_diagonal += ok && is_wide_diagonal(hw, &geo);
				diagonal_loads += ok && geo.b_diag, kvals_loads += ok && geo.b_kvals;
				vector_mac += ok && is_vector_mac(&geo, &map);
				if (ok)
					count_passes(hw, &r.g.op[op], &geo, &map);
			}
		}
		tz_match_free(&m);
		run_free(&r);
	}
	return done;
}

/* Convolutions (plain, grouped and depthwise; strides, dilation, padding random) whose
 * input a 1x1 convolution computes: where the input's elements are narrower
 * than the output's (dot-i8: 4 values, 16), the input is in its producer's
 * layout, read as groups of elements.  The producer is verified first; its
 * result is the consumer's input.  Returns how many consumers read a
 * grouped layout and verified. */
static int check_grouped(const struct hw *hw, const char *config, int n)
{
	int done = 0;
	for (int i = 0; i < n; i++) {
		struct opcase r = {0};
		int kind = (int)rnd(0, 3); /* plain (two in four), grouped, depthwise */
		int64_t groups = kind < 2 ? 1 : kind == 2 ? 2 : 16 * rnd(1, 3);
		int64_t Cg = kind == 3 ? 1 : groups > 1 || rnd(0, 2) ? 16 * rnd(1, 3) : rnd(1, 48), C = groups * Cg;
		int64_t O = kind == 3 ? C : groups * (groups > 1 ? 16 * rnd(1, 2) : rnd(1, 24)), H = rnd(6, 16), W = rnd(6, 16), KH = rnd(1, 3), KW = rnd(1, 3);
		struct ir_conv2d_attrs one = {{1, 1}, {0, 0, 0, 0}, {1, 1}, 1, false};
		struct ir_conv2d_attrs a = {{rnd(1, 2), rnd(1, 2)}, {rnd(0, 1), rnd(0, 1), rnd(0, 1), rnd(0, 1)},
					    {rnd(1, 2), rnd(1, 2)}, groups, false};
		int64_t C0 = rnd(1, 20);
		int x = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){1, H, W, C0}, "NHWC", &r.err);
		int w0 = ir_add_tensor(&r.g, "w0", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){C, 1, 1, C0}, "OHWI", &r.err);
		int w = ir_add_tensor(&r.g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){O, KH, KW, Cg}, "OHWI", &r.err);
		int op0 = ir_conv2d(&r.g, "pre", x, w0, &one, "x2", DT_INT8, &r.err);
		int op = op0 < 0 ? -1 : ir_conv2d(&r.g, "conv", r.g.op[op0].out.tensor, w, &a, "y", DT_INT32, &r.err);
		struct tz_match m = {0};
		int b = op < 0 ? -1 : (tz_match_op(hw, &r.g, op, &m), direct_binding(hw, &r.g, op, &m));
		if (b >= 0) {
			struct tz_geometry geo;
			tz_geometry_init(&geo, hw, &r.g, op, &m.binding[b]);
			struct tz_mapping map = pick_direct(&geo, rnd(0, 1));
			char what[200];
			snprintf(what, sizeof what, "%s grouped case %d: %lld groups of %lld channels, %lldx%lld, %lldx%lld window, group %u",
				 config, i, (long long)groups, (long long)Cg, (long long)H, (long long)W, (long long)KH, (long long)KW,
				 geo.dir.a.group);
			fill(&r);
			cases += 2;
			struct tz_match m0;
			tz_match_op(hw, &r.g, op0, &m0);
			ASSERT(m0.nbindings > 0);
			if (m0.nbindings) {
				struct tz_geometry g0;
				tz_geometry_init(&g0, hw, &r.g, op0, &m0.binding[0]);
				struct tz_mapping map0 = pick_mapping(&g0, false);
				verified += opcase_verify(hw, &r, op0, &map0, "the producer");
			}
			tz_match_free(&m0);
			int ok = opcase_verify(hw, &r, op, &map, what);
			verified += ok, direct_cases++, wide_diagonal += ok && is_wide_diagonal(hw, &geo);
			diagonal_loads += ok && geo.b_diag, kvals_loads += ok && geo.b_kvals;
			done += ok && geo.dir.a.group > 1;
		}
		tz_match_free(&m);
		run_free(&r);
	}
	return done;
}

/* Depthwise layers (channels, strides, dilation, padding, epilogues and
 * output type random) with the best binding the matcher gives, in the
 * direct form where it has one: on a description with a vector MAC, the
 * vector MAC's.  Returns how many ran on it and verified. */
static int check_depthwise(const struct hw *hw, const char *config, int n)
{
	int done = 0;
	for (int i = 0; i < n; i++) {
		struct opcase r = {0};
		int64_t C = rnd(1, 100), H = rnd(4, 20), W = rnd(4, 20), KH = rnd(1, 3), KW = rnd(1, 3);
		struct ir_conv2d_attrs a = {{rnd(1, 2), rnd(1, 2)}, {rnd(0, 1), rnd(0, 1), rnd(0, 1), rnd(0, 1)},
					    {rnd(1, 2), rnd(1, 2)}, C, false};
		int in = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){1, H, W, C}, "NHWC", &r.err);
		int w = ir_add_tensor(&r.g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){C, KH, KW, 1}, "OHWI", &r.err);
		int op = ir_conv2d(&r.g, "dw", in, w, &a, "y", rnd(0, 1) ? DT_INT8 : DT_INT32, &r.err);
		struct tz_match m = {0};
		if (op >= 0) {
			random_epilogues(&r, op, false);
			tz_match_op(hw, &r.g, op, &m);
		}
		if (m.nbindings) {
			struct tz_geometry geo;
			int b = 0; /* the most efficient binding in the direct form, else the best */
			while (b < m.nbindings && (tz_geometry_init(&geo, hw, &r.g, op, &m.binding[b]), !geo.dir.ok))
				b++;
			if (b == m.nbindings)
				tz_geometry_init(&geo, hw, &r.g, op, &m.binding[0]);
			struct tz_mapping map = geo.dir.ok ? pick_direct(&geo, rnd(0, 1)) : pick_mapping(&geo, rnd(0, 1));
			fill(&r);
			char what[160];
			snprintf(what, sizeof what, "%s depthwise case %d: %lld channels, %lldx%lld, %lldx%lld window", config, i,
				 (long long)C, (long long)H, (long long)W, (long long)KH, (long long)KW);
			cases++;
			direct_cases += map.direct;
			bool ok = opcase_verify(hw, &r, op, &map, what);
			verified += ok, done += ok && is_vector_mac(&geo, &map);
		}
		tz_match_free(&m);
		run_free(&r);
	}
	return done;
}

/* Convolutions, dense layers and matmuls whose first epilogue is a bias
 * along the channels, a constant of known range (within what the digits
 * hold, or not), then a requantization: where the hardware allows it
 * (tz_bias_beat: edge-tiny) each output tile starts from the bias as a
 * beat, in the GEMM form and the direct one.  On its own sequence of
 * random numbers, so the other cases stay what they were. */
static void check_bias_beat(const struct hw *hw, const char *config, int n)
{
	static const int64_t ranges[][2] = {{-113920, 113030}, {-1, 1}, {-40000, 90000}, {-113921, 0}, {0, 113031}};
	uint64_t saved = rng;
	rng = 0xb1a5b3a7;
	for (int i = 0; i < n; i++) {
		struct opcase r = {0};
		int kind = (int)rnd(0, 3); /* conv2d, depthwise (a diagonal binding's digits per channel tile), dense, matmul */
		int op = random_op(&r, kind, DT_INT8, rnd(0, 3) ? DT_INT8 : DT_INT32);
		const struct ir_tensor *out = &r.g.tensor[r.g.op[op].out.tensor];
		struct ir_epilogue ep = {.kind = IR_EP_BIAS, .dim = out->rank - 1}, shr = {.kind = IR_EP_SHR, .imm = rnd(0, 10)};
		ep.tensor = ir_add_tensor(&r.g, "bias", IR_TENSOR_WEIGHT, DT_INT32, 1, (int64_t[]){out->shape[ep.dim]}, NULL,
					  &r.err);
		ASSERT(ep.tensor >= 0);
		int w = (int)rnd(0, (int64_t)(sizeof ranges / sizeof *ranges) - 1);
		r.g.tensor[ep.tensor].bounded = true;
		r.g.tensor[ep.tensor].lo = ranges[w][0], r.g.tensor[ep.tensor].hi = ranges[w][1];
		ASSERT_EQ(ir_add_epilogue(&r.g, op, &ep, &r.err), 0);
		ASSERT_EQ(ir_add_epilogue(&r.g, op, &shr, &r.err), 0);
		if (rnd(0, 1))
			ASSERT_EQ(ir_add_epilogue(&r.g, op, &(struct ir_epilogue){.kind = IR_EP_RELU}, &r.err), 0);
		fill(&r);
		char what[128];
		snprintf(what, sizeof what, "%s bias-beat case %d: %s, bias in [%lld, %lld]", config, i, kinds[kind],
			 (long long)ranges[w][0], (long long)ranges[w][1]);
		check_case(hw, &r, op, what);
		run_free(&r);
	}
	rng = saved;
}

/* Dense layers and convolutions of 100 to 300 output channels with a
 * constant bias first: mappings whose B buffers leave room for two blocks'
 * digits but not for every digit tile, so each output block loads its own
 * (TZ_BEAT_PER_BLOCK), in both forms.  Its own random sequence too. */
static void check_beat_per_block(const struct hw *hw, const char *config, int n)
{
	uint64_t saved = rng;
	rng = 0x9e3b10c5;
	for (int i = 0; i < n; i++) {
		struct opcase r = {0};
		bool conv = rnd(0, 1);
		int64_t O = rnd(100, 300), C = rnd(64, 300), M = rnd(1, 12);
		int x = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, DT_INT8, conv ? 4 : 2,
				      conv ? (int64_t[]){1, M, rnd(1, 4), C} : (int64_t[]){M, C}, conv ? "NHWC" : NULL, &r.err);
		int w = ir_add_tensor(&r.g, "w", IR_TENSOR_WEIGHT, DT_INT8, conv ? 4 : 2,
				      conv ? (int64_t[]){O, 1, 1, C} : (int64_t[]){O, C}, conv ? "OHWI" : NULL, &r.err);
		struct ir_conv2d_attrs one = {{1, 1}, {0, 0, 0, 0}, {1, 1}, 1, false};
		int op = conv ? ir_conv2d(&r.g, "conv", x, w, &one, "y", DT_INT8, &r.err) : ir_dense(&r.g, "dense", x, w, "y", DT_INT8, &r.err);
		ASSERT(op >= 0);
		struct ir_epilogue ep = {.kind = IR_EP_BIAS, .dim = conv ? 3 : 1}, shr = {.kind = IR_EP_SHR, .imm = 6};
		ep.tensor = ir_add_tensor(&r.g, "bias", IR_TENSOR_WEIGHT, DT_INT32, 1, (int64_t[]){O}, NULL, &r.err);
		r.g.tensor[ep.tensor].bounded = true, r.g.tensor[ep.tensor].lo = -100000, r.g.tensor[ep.tensor].hi = 100000;
		ASSERT_EQ(ir_add_epilogue(&r.g, op, &ep, &r.err), 0);
		ASSERT_EQ(ir_add_epilogue(&r.g, op, &shr, &r.err), 0);
		struct tz_match m;
		tz_match_op(hw, &r.g, op, &m);
		int b = conv ? direct_binding(hw, &r.g, op, &m) : 0;
		struct tz_geometry geo;
		int nb = m.nbindings;
		if (nb)
			tz_geometry_init(&geo, hw, &r.g, op, &m.binding[b < 0 ? 0 : b]);
		tz_match_free(&m);
		struct tz_mapping map;
		bool found = false;
		for (int tries = 0; nb && geo.bias_beat && !found && tries < 300; tries++) {
			map = conv && b >= 0 ? pick_direct(&geo, true) : pick_mapping(&geo, true);
			found = tz_beat_mode(&geo, &map) == TZ_BEAT_PER_BLOCK;
		}
		if (found) {
			fill(&r);
			char what[128];
			snprintf(what, sizeof what, "%s per-block digits case %d: %s, %lld channels", config, i,
				 conv ? "conv2d 1x1" : "dense", (long long)O);
			cases++;
			direct_cases += map.direct;
			bool ok = opcase_verify(hw, &r, op, &map, what);
			verified += ok;
			if (ok)
				count_passes(hw, &r.g.op[op], &geo, &map);
		}
		run_free(&r);
	}
	rng = saved;
}

/* A random GEMM-form mapping keeping its inner loop's operand in panels
 * of 1 to all but one of its blocks, or false when none fits. */
static bool pick_panels(const struct tz_geometry *geo, struct tz_mapping *m)
{
	char why[256];
	for (int tries = 0; tries < 400; tries++) {
		bool n_outer = rnd(0, 1);
		*m = (struct tz_mapping){geo->b, rnd(1, geo->count[TZ_G_M]), rnd(1, geo->count[TZ_G_N]),
					 rnd(1, geo->count[TZ_G_K]), n_outer, (int)rnd(1, 2), (int)rnd(1, 2), (int)rnd(1, 2),
					 n_outer || rnd(0, 1), !n_outer || rnd(0, 1), false, 0, 0, 0};
		int64_t inner = n_outer ? (geo->count[TZ_G_M] + m->bm - 1) / m->bm : (geo->count[TZ_G_N] + m->bn - 1) / m->bn;
		if (inner < 2)
			continue;
		m->panel = rnd(1, inner - 1);
		if (!tz_mapping_check(geo, m, why))
			return true;
	}
	return false;
}

/* n random convolutions and matmuls (batched too), each in a mapping
 * keeping its inner loop's operand in panels: returns how many verified. */
static int check_panels(const struct hw *hw, const char *config, int n)
{
	int done = 0;
	for (int i = 0; i < n; i++) {
		struct opcase r = {0};
		static const int kind[] = {0, 2, 3, 4};
		int op = random_op(&r, kind[rnd(0, 3)], DT_INT8, rnd(0, 1) ? DT_INT8 : DT_INT32);
		random_epilogues(&r, op, false);
		struct tz_match m = {0};
		tz_match_op(hw, &r.g, op, &m);
		struct tz_geometry geo;
		struct tz_mapping map;
		if (m.nbindings && (tz_geometry_init(&geo, hw, &r.g, op, &m.binding[0]), pick_panels(&geo, &map))) {
			fill(&r);
			char what[160];
			struct strbuf f = {0};
			tz_mapping_format(&map, &f);
			snprintf(what, sizeof what, "%s panels case %d: %s", config, i, f.s ? f.s : "");
			sb_free(&f);
			cases++;
			bool ok = opcase_verify(hw, &r, op, &map, what);
			verified += ok, done += ok;
		}
		tz_match_free(&m);
		run_free(&r);
	}
	return done;
}

static int banded_diagonal; /* banded depthwise layers (their diagonal binding over the bands' rows) */
static int no_direct, staged_diagonal; /* banded ops with no direct form; diagonal ones staging diagonals alone */

/* Tensor t's bytes from the interpreter's values. */
static void raw_from_values(struct opcase *r, int t)
{
	const struct ir_tensor *ts = &r->g.tensor[t];
	for (int64_t i = 0; i < ir_tensor_elems(ts); i++)
		if (dtype_float(ts->dtype))
			val_put_float(r->raw[t], ts->dtype, (uint64_t)i, r->v[t].f[i]);
		else
			val_put_int(r->raw[t], ts->dtype, (uint64_t)i, r->v[t].i[i]);
}

/* On elements of several rows: random convolutions and depthwise layers
 * (strides, dilation, padding, conv1d) cut into bands (ir/band.c), the
 * banded input computed from the input by the interpreter, and the banded
 * op in its direct form (the rows of elements the bands, the input moved
 * by whole elements, through the shared level where there is one) against
 * the interpreter.  Returns how many were verified so. */
static int check_banded(const struct hw *hw, const char *config, int n)
{
	const struct hw_intrinsic *in = &hw->intrinsic[0];
	int rows = tz_operand_rows(in, &in->a), done = 0;
	if (rows < 0)
		return 0;
	bool flt = in->a.dtype == DT_FP16;
	for (int i = 0; i < n; i++) {
		struct opcase r = {0};
		int k = (int)rnd(0, 2) == 0; /* 1: depthwise */
		enum dtype dt = flt ? DT_FP16 : DT_INT8, od = flt ? DT_FP16 : rnd(0, 3) ? DT_INT8 : DT_INT32;
		bool one_d = rnd(0, 3) == 0;
		int64_t C = rnd(1, 40), O = k ? C : rnd(1, 40), G = k ? C : 1;
		int64_t H = one_d ? 1 : rnd(4, 16), W = rnd(4, 16), KH = one_d ? 1 : rnd(1, 3), KW = rnd(1, 3);
		struct ir_conv2d_attrs a = {{rnd(1, 2), rnd(1, 2)},
					    {one_d ? 0 : rnd(0, 2), rnd(0, 2), one_d ? 0 : rnd(0, 2), rnd(0, 2)},
					    {rnd(1, 2), rnd(1, 2)}, G, false};
		int x = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, dt, 4, (int64_t[]){rnd(1, 2), H, W, C}, "NHWC", &r.err);
		int w = ir_add_tensor(&r.g, "w", IR_TENSOR_WEIGHT, dt, 4, (int64_t[]){O, KH, KW, C / G}, "OHWI", &r.err);
		int op = ir_conv2d(&r.g, "conv", x, w, &a, "y", od, &r.err);
		struct ir_band_split bs;
		if (op >= 0)
			random_epilogues(&r, op, flt);
		if (op < 0 || !ir_band_split_find(&r.g, op, (int)in->dim_size[rows], &bs) ||
		    ir_band_split_apply(&r.g, &bs, "x.bands", "y.banded", "y.wide", &r.err) < 0) {
			run_free(&r);
			continue;
		}
		fill(&r);
		interp_op(&r.g, op, r.v); /* the band op */
		raw_from_values(&r, r.g.op[op].out.tensor);
		struct tz_match m;
		tz_match_op(hw, &r.g, op + 1, &m);
		int b = direct_binding(hw, &r.g, op + 1, &m);
		no_direct += b < 0; /* (strided columns with padded rows, and the like: the rewrite keeps the op whole) */
		if (b >= 0) {
			struct tz_geometry geo;
			tz_geometry_init(&geo, hw, &r.g, op + 1, &m.binding[b]);
			struct tz_mapping map = pick_direct(&geo, rnd(0, 1));
			char what[160];
			snprintf(what, sizeof what, "%s banded case %d: %s, %d bands of %lld", config, i,
				 k ? "depthwise" : "conv2d", bs.rows, (long long)bs.q);
			cases++;
			bool ok = opcase_verify(hw, &r, op + 1, &map, what);
			verified += ok, direct_cases++, done += ok, banded_diagonal += ok && tz_diagonal(&geo.b) >= 0;
			staged_diagonal += ok && geo.b_diag && hw->level[in->b.level].parent >= 0;
			if (ok)
				count_passes(hw, &r.g.op[op + 1], &geo, &map);
		}
		tz_match_free(&m);
		run_free(&r);
	}
	return done;
}

static int direct_pools;  /* max pools in their direct form (boxes widened by the intrinsic) */
static int grouped_pools; /* of them, reading several of a's elements per accumulator element (dot-i8) */
static int overlap_pools; /* of them, with a last block that starts earlier (its side does not divide the extent) */
static int shared_pools;  /* of them, staged through a shared level (server-wide: elements of four rows, all lanes) */
static int vmac_pools;    /* of them, widened by a vector MAC's row of ones (vector-mac) */

/* Max pools with random windows, strides, dilations and padding (some with
 * a window along one dimension, some NCHW: lanes not innermost), on inputs
 * up to 40 points a side so that a pool takes several blocks: in the direct
 * form where the description has one (the least value over the padding
 * matters: the values are random, negative ones too), else the host's
 * windows.  Returns how many verified in the direct form. */
static int check_pools(const struct hw *hw, const char *config, int n)
{
	int done = 0;
	enum dtype dt = hw->intrinsic[0].a.dtype == DT_FP16 ? DT_FP16 : DT_INT8;
	for (int i = 0; i < n; i++) {
		struct opcase r = {0};
		bool one_d = rnd(0, 3) == 0, nchw = rnd(0, 3) == 0;
		struct ir_pool2d_attrs a = {{one_d ? 1 : rnd(1, 4), rnd(1, 4)}, {rnd(1, 3), rnd(1, 3)}, {0}, {rnd(1, 2), rnd(1, 2)}, nchw};
		for (int k = 0; k < 2; k++) {
			int64_t span = (a.window[k] - 1) * a.dilation[k];
			a.pad[k] = rnd(0, span), a.pad[k + 2] = rnd(0, span);
		}
		int64_t H = one_d ? 1 : rnd(1, 40), W = rnd(1, 40), C = rnd(1, 40), N = rnd(1, 2);
		int64_t nhwc[4] = {N, H, W, C}, nchw_shape[4] = {N, C, H, W};
		int in = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, dt, 4, nchw ? nchw_shape : nhwc, nchw ? "NCHW" : "NHWC", &r.err);
		int op = ir_pool2d_dilated(&r.g, "pool", in, true, &a, "y", &r.err);
		if (op < 0) { /* a window wider than the padded input */
			run_free(&r);
			continue;
		}
		fill(&r);
		struct tz_pool p;
		char why[256], what[160];
		ASSERT_EQ(tz_pool_match(hw, &r.g, op, &p, why), 0);
		snprintf(what, sizeof what, "%s pool %d: %lldx%lld window %lldx%lld stride %lldx%lld dilation %lldx%lld%s", config,
			 i, (long long)H, (long long)W, (long long)a.window[0], (long long)a.window[1], (long long)a.stride[0],
			 (long long)a.stride[1], (long long)a.dilation[0], (long long)a.dilation[1], nchw ? " NCHW" : "");
		cases++;
		bool ok = opcase_verify(hw, &r, op, NULL, what);
		verified += ok, done += ok && p.box.ok, grouped_pools += ok && p.box.ok && p.box.groups > 1;
		overlap_pools += ok && p.box.ok && (p.box.extent[0] % p.box.block[0] || p.box.extent[1] % p.box.block[1]);
		shared_pools += ok && p.box.ok && tz_shared_level(hw) >= 0;
		if (ok && p.box.ok) {
			const struct hw_intrinsic *x = &hw->intrinsic[p.box.intrinsic];
			vmac_pools += tz_operand_lane(x, &x->a) == tz_operand_lane(x, &x->out);
		}
		run_free(&r);
	}
	return done;
}

static int banded_pools; /* max pools cut into bands, in their direct form on elements of several rows */

/* On elements of several rows: random max pools cut into bands (ir/band.c:
 * the banded input holds the lowest value over the padding), the banded
 * input computed by the interpreter, and the banded pool in its direct form
 * (an element's rows the bands, through the shared level where there is
 * one) against the interpreter.  Returns how many were verified so. */
static int check_banded_pools(const struct hw *hw, const char *config, int n)
{
	const struct hw_intrinsic *in = &hw->intrinsic[0];
	int rows = tz_operand_rows(in, &in->a), done = 0;
	if (rows < 0 || in->a.dtype != DT_INT8)
		return 0;
	for (int i = 0; i < n; i++) {
		struct opcase r = {0};
		struct ir_pool2d_attrs a = {{rnd(1, 3), rnd(1, 3)}, {rnd(1, 2), rnd(1, 2)}, {0}, {rnd(1, 2), rnd(1, 2)}, false};
		for (int k = 0; k < 2; k++) {
			int64_t span = (a.window[k] - 1) * a.dilation[k];
			a.pad[k] = rnd(0, span), a.pad[k + 2] = rnd(0, span);
		}
		int x = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, DT_INT8, 4,
				      (int64_t[]){rnd(1, 2), rnd(2, 24), rnd(2, 24), rnd(1, 40)}, "NHWC", &r.err);
		int op = ir_pool2d_dilated(&r.g, "pool", x, true, &a, "y", &r.err);
		struct ir_band_split bs;
		if (op < 0 || !ir_band_split_find(&r.g, op, (int)in->dim_size[rows], &bs) ||
		    ir_band_split_apply(&r.g, &bs, "x.bands", "y.banded", "y.wide", &r.err) < 0) {
			run_free(&r);
			continue;
		}
		fill(&r);
		interp_op(&r.g, op, r.v); /* the band op, the lowest value over the padding */
		raw_from_values(&r, r.g.op[op].out.tensor);
		struct tz_pool p;
		char why[256], what[160];
		ASSERT_EQ(tz_pool_match(hw, &r.g, op + 1, &p, why), 0);
		if (!p.box.ok || p.box.rows < 2) {
			fprintf(stderr, "%s banded pool %d: no direct form on the bands' rows: %s\n", config, i, p.box.why);
			ASSERT(p.box.ok && p.box.rows >= 2);
			run_free(&r);
			continue;
		}
		snprintf(what, sizeof what, "%s banded pool %d: window %lldx%lld stride %lldx%lld, %d bands of %lld", config,
			 i, (long long)a.window[0], (long long)a.window[1], (long long)a.stride[0], (long long)a.stride[1],
			 bs.rows, (long long)bs.q);
		cases++;
		bool ok = opcase_verify(hw, &r, op + 1, NULL, what);
		verified += ok, done += ok;
		run_free(&r);
	}
	return done;
}

int main(void)
{
	const char *src = getenv("TESSEL_SOURCE_DIR");
	static const char *const configs[] = {"vta-default", "edge-tiny", "server-wide", "dot-i8", "mma-fp16", "vector-mac"};
	enum { NCONFIGS = sizeof configs / sizeof *configs, PER_CONFIG = 60 };
	int grouped = 0, banded = 0;
	for (int c = 0; c < NCONFIGS; c++) {
		char path[512];
		snprintf(path, sizeof path, "%s/examples/hw/%s.yaml", src ? src : ".", configs[c]);
		struct hw hw;
		struct diags err = {0};
		ASSERT_EQ(hw_load_file(path, &hw, &err), 0);
		diag_free(&err);
		bool flt = hw.intrinsic[0].a.dtype == DT_FP16;
		for (int i = 0; i < PER_CONFIG; i++) {
			struct opcase r = {0};
			int k = (int)rnd(0, 5);
			enum dtype dt = flt ? DT_FP16 : DT_INT8, od = flt ? DT_FP16 : rnd(0, 3) ? DT_INT8 : DT_INT32;
			int op = random_op(&r, k, dt, od);
			if (k != 5)
				random_epilogues(&r, op, flt);
			fill(&r);
			char what[128];
			snprintf(what, sizeof what, "%s case %d: %s -> %s", configs[c], i, kinds[k], dtype_name(od));
			check_case(&hw, &r, op, what);
			run_free(&r);
		}
		check_part_rows(&hw, configs[c], 32, false);
		shared_boxes += check_part_rows(&hw, configs[c], 32, true);
		banded += check_banded(&hw, configs[c], 100);
		direct_pools += check_pools(&hw, configs[c], 30);
		banded_pools += check_banded_pools(&hw, configs[c], 30);
		vector_mac += check_depthwise(&hw, configs[c], 40);
		if (tz_shared_level(&hw) >= 0)
			panels += check_panels(&hw, configs[c], 40);
		if (!strcmp(configs[c], "dot-i8"))
			grouped += check_grouped(&hw, configs[c], 40);
		if (!flt) /* the bias's digits, resident and per block */
			check_bias_beat(&hw, configs[c], 40), check_beat_per_block(&hw, configs[c], 16);
	}
	printf("%d of %d random ops verified, %d of them in the direct form, %d in blocks of rows of a part of each row, "
	       "%d reading their producer's wider elements as groups, %d diagonal over several of a's tiles per output block\n",
	       verified, cases, direct_cases, part_rows, grouped, wide_diagonal);
	printf("%d on a vector MAC (one iterator along the lanes of a and of the output)\n", vector_mac);
	printf("%d diagonal bindings loading their weight tiles' diagonals alone by diagonal loads\n", diagonal_loads);
	printf("%d bindings loading their weight elements' first values along K alone by narrow loads\n", kvals_loads);
	printf("%d keeping the inner block loop's operand in panels of the shared level\n", panels);
	printf("%d banded convolutions in the direct form (elements of several rows), %d of them depthwise (%d loading "
	       "diagonals through a shared level); %d without a direct form\n", banded, banded_diagonal, staged_diagonal, no_direct);
	printf("%d max pools in their direct form, %d of them through groups of a's elements, %d with a last block "
	       "starting earlier, %d staged through a shared level, %d widened by a vector MAC; %d cut into bands, in the "
	       "direct form on the bands' rows\n",
	       direct_pools, grouped_pools, overlap_pools, shared_pools, vmac_pools, banded_pools);
	printf("%d ops with fused epilogue passes, %d with a requant (%d in the direct form), %d with a bias, %d of them "
	       "starting each block from it (%d in the direct form), %d in the GEMM form keeping it whole per batch index\n",
	       fused_cases, requant_gemm + requant_direct, requant_direct, bias_cases, bias_init_cases, bias_init_direct,
	       bias_res_batch);
	printf("%d ops starting each output tile from its bias's digits as a beat (%d in the direct form, %d with "
	       "digits per batch index, %d loading each block's)\n", beat_gemm + beat_direct, beat_direct, beat_batch,
	       beat_per_block);
	printf("%d direct-form ops in blocks of a part of one row, the row's last block shorter\n", short_cols);
	printf("%d direct-form ops in blocks of whole rows, several reading one input box\n", shared_boxes);
	printf("%d direct-form ops reading their input packed in fewer values than lanes, %d storing their output so\n",
	       narrow_in, narrow_out);
	printf("%d with B's last row of tiles holding only its rows in DRAM in the GEMM form, %d in the direct form, %d "
	       "of them through a shared level, %d with several batches, %d in tiles of several elements\n", narrow_b_gemm,
	       narrow_b_direct, narrow_b_shared, narrow_b_batches, narrow_b_elems);
	printf("%d in the GEMM form in serpentine order (reduction blocks forward, then backward), of several output blocks\n", serpentine);
	printf("%d in the GEMM form whose inner operand keeps a pass's blocks in 3 to %d buffers\n", pass_rings, TZ_MAX_RING);
	ASSERT(serpentine >= 25);
	ASSERT(pass_rings >= 10);
	ASSERT(shared_boxes >= 25);
	ASSERT(narrow_b_gemm >= 30);
	ASSERT(narrow_b_direct >= 30);
	ASSERT(narrow_b_shared >= 10);
	ASSERT(narrow_b_elems >= 10);
	ASSERT(narrow_b_batches >= 10);
	ASSERT(narrow_in >= 10);
	ASSERT(narrow_out >= 10);
	ASSERT(bias_init_cases >= 3);
	ASSERT(bias_init_direct >= 2);
	ASSERT(bias_res_batch >= 20);
	ASSERT(beat_gemm >= 3);
	ASSERT(beat_direct >= 3);
	ASSERT(beat_batch >= 3);
	ASSERT(beat_per_block >= 6);
	ASSERT(fused_cases >= 30);
	ASSERT(requant_gemm >= 3);
	ASSERT(requant_direct >= 3);
	ASSERT(bias_cases >= 30);
	ASSERT(wide_diagonal >= 5);
	ASSERT(diagonal_loads >= 10);
	ASSERT(kvals_loads >= 10);
	ASSERT(vector_mac >= 12);
	ASSERT(panels >= 30);
	ASSERT(banded >= 60);
	ASSERT(banded_diagonal >= 15 && staged_diagonal >= 5);
	ASSERT(direct_pools >= 20);
	ASSERT(grouped_pools >= 8 && overlap_pools >= 3);
	ASSERT(shared_pools >= 15);
	ASSERT(banded_pools >= 20);
	ASSERT(vmac_pools >= 10);
	ASSERT(grouped >= 10);
	ASSERT(verified >= 200);
	ASSERT(direct_cases >= 40);
	ASSERT(part_rows >= 20);
	ASSERT(short_cols >= 10);
	ASSERT_EQ(verified, cases);
	opcase_close_device();
	return test_done("lower_property");
}
