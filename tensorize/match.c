/* tensorize/match: every legal binding of an op to the intrinsics of a
 * hardware description, and why the others are not legal.
 *
 * An op iterator may be fused onto an intrinsic dimension when it indexes
 * exactly the same operands (a, b, the output) and is a reduction exactly
 * when the dimension is: k of a GEMM takes the op's reduction iterators read
 * by both inputs, i the spatial ones read by the input in the input
 * scratchpad, and so on.  Everything else about the access (strides,
 * windows, padding) is realised by the host-side packing of docs/tensorize.md,
 * so it never rules a binding out. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensorize.h"
#include "base/alloc.h"

static unsigned access_mask(const struct ir_access *a, int iter)
{
	for (int d = 0; d < IR_MAX_RANK; d++)
		if (a->index[d].coef[iter])
			return 1;
	return 0;
}

/* Which of a, b and the output iterator `it` indexes. */
static unsigned iter_mask(const struct ir_op *op, int input_a, int input_b, int it)
{
	return (access_mask(&op->in[input_a], it) ? TZ_IN_A : 0) | (access_mask(&op->in[input_b], it) ? TZ_IN_B : 0) |
	       (access_mask(&op->out, it) ? TZ_IN_OUT : 0);
}

static unsigned operand_has(const struct hw_operand *o, int d)
{
	for (int i = 0; i < o->rank; i++)
		if (o->dim[i] == d)
			return 1;
	return 0;
}

static unsigned dim_mask(const struct hw_intrinsic *in, int d)
{
	return (operand_has(&in->a, d) ? TZ_IN_A : 0) | (operand_has(&in->b, d) ? TZ_IN_B : 0) |
	       (operand_has(&in->out, d) ? TZ_IN_OUT : 0);
}

static const char *mask_text(unsigned m)
{
	static const char *const text[8] = {"no operand", "a only", "b only", "a and b", "the output only",
					    "a and the output", "b and the output", "a, b and the output"};
	return text[m & 7];
}

/* Values of `from` are represented exactly in `to`. */
static bool dtype_converts(enum dtype from, enum dtype to)
{
	if (from == to)
		return true;
	uint32_t fb = dtype_bytes(from), tb = dtype_bytes(to);
	if (dtype_float(from))
		return dtype_float(to) && tb > fb;
	if (dtype_float(to)) /* integers of at most 8 bits fit fp16's 11-bit significand, 16 bits fp32's */
		return fb * 8 <= (to == DT_FP16 ? 8u : 16u);
	if (!dtype_signed(from))
		return tb > fb; /* uint8 into a wider signed type */
	return dtype_signed(to) && tb > fb;
}

static bool imm_fits(const struct hw *hw, int64_t v)
{
	int64_t lim = (int64_t)1 << (hw->alu.imm_bits - 1);
	return v >= -lim && v < lim;
}

static bool has_alu(const struct hw *hw, enum hw_alu_op op)
{
	return hw->alu.ops & (1u << op);
}

/* The name of op's first epilogue whose own ALU operations include `alu`
 * (with immediate imm, when the immediate is the question). */
static const char *epilogue_with(const struct hw *hw, const struct ir_op *op, enum hw_alu_op alu, const int64_t *imm)
{
	for (int e = 0; e < op->nepilogues; e++) {
		enum hw_alu_op ops[2];
		int64_t v[2];
		int n = tz_epilogue_alu(hw, op->acc, &op->epilogue[e], ops, v);
		for (int i = 0; i < n; i++)
			if ((ops[i] == alu || (alu == HW_ALU_REQUANT && ops[i] == HW_ALU_SHR)) && (!imm || v[i] == *imm))
				return ir_epilogue_name(op->epilogue[e].kind);
	}
	return "the epilogues'";
}

/* The epilogues as the ALU passes the lowering emits (tz_epilogue_passes,
 * fused where the ALU allows): "" when they all map. */
static void check_epilogues(const struct hw *hw, const struct ir_graph *g, const struct ir_op *op, char *why)
{
	int nbias = 0;
	for (int e = 0; e < op->nepilogues && !*why; e++) {
		const struct ir_epilogue *ep = &op->epilogue[e];
		enum hw_alu_op ops[2];
		int64_t imm[2];
		if (ep->kind == IR_EP_BIAS && ++nbias > 1)
			snprintf(why, 256, "the op has %d bias epilogues; lowering adds one", nbias);
		else if (ep->kind == IR_EP_BIAS && !dtype_converts(g->tensor[ep->tensor].dtype, op->acc))
			snprintf(why, 256, "bias '%s' is %s, which the %s accumulator cannot hold exactly",
				 g->tensor[ep->tensor].name, dtype_name(g->tensor[ep->tensor].dtype), dtype_name(op->acc));
		else if (ep->kind == IR_EP_SHR && dtype_float(op->acc) && (ep->imm > 1000 || ep->imm < -1000))
			snprintf(why, 256, "epilogue shr %lld: the ALU scales floats by at most 2^1000", (long long)ep->imm);
		else if (tz_epilogue_alu(hw, op->acc, ep, ops, imm) < 0)
			snprintf(why, 256, "epilogue %s %lld: the vector ALU has no division", ir_epilogue_name(ep->kind),
				 (long long)ep->imm);
	}
	struct tz_pass p[TZ_MAX_PASSES];
	int n = *why ? 0 : tz_epilogue_passes(hw, op, false, p);
	for (int i = 0; i < n && !*why; i++) {
		if (!has_alu(hw, p[i].op))
			snprintf(why, 256, "epilogue %s needs the ALU op '%s', which alu.ops does not list",
				 epilogue_with(hw, op, p[i].op, NULL), hw_alu_op_name(p[i].op));
		else if (!p[i].bias && !imm_fits(hw, p[i].imm))
			snprintf(why, 256, "epilogue %s: immediate %lld does not fit the ALU's %u-bit immediate (alu.imm_bits)",
				 epilogue_with(hw, op, p[i].op, &p[i].imm), (long long)p[i].imm, hw->alu.imm_bits);
	}
}

/* How many output-buffer passes one output value takes, or 0 (with why). */
static int output_planes(const struct hw *hw, enum dtype out_dtype, char *why)
{
	const struct hw_level *ob = &hw->level[hw->role_level[HW_ROLE_OUTPUT]];
	if (dtype_float(out_dtype) || dtype_float(ob->dtype)) {
		if (out_dtype == ob->dtype)
			return 1;
		snprintf(why, 256, "the output is %s but output buffer '%s' holds %s", dtype_name(out_dtype), ob->name,
			 dtype_name(ob->dtype));
		return 0;
	}
	uint32_t ob_bytes = dtype_bytes(ob->dtype), bytes = dtype_bytes(out_dtype);
	int planes = (int)((bytes + ob_bytes - 1) / ob_bytes);
	if (planes > 1 && (!has_alu(hw, HW_ALU_SHR) || !imm_fits(hw, 8 * ob_bytes))) {
		snprintf(why, 256, "the %s output is wider than output buffer '%s' (%s): storing it in %d passes needs "
			 "the ALU op 'shr' with an immediate of %u", dtype_name(out_dtype), ob->name,
			 dtype_name(ob->dtype), planes, 8 * ob_bytes);
		return 0;
	}
	return planes;
}

/* Element sizes staged through the shared levels must be whole shared elements. */
static void check_staging(const struct hw *hw, char *why)
{
	static const enum hw_role roles[] = {HW_ROLE_INPUT, HW_ROLE_WEIGHT, HW_ROLE_ACCUMULATOR, HW_ROLE_OUTPUT};
	for (size_t r = 0; r < sizeof roles / sizeof *roles; r++)
		if (tz_staged_whole(hw, hw->role_level[roles[r]], why))
			return;
}

/* Everything about an (intrinsic, operand assignment) pair but the
 * iterators: "" when it can run the op. */
static void check_pair(const struct hw *hw, const struct ir_graph *g, const struct ir_op *op, int intr, int ia, int ib,
		       char *why)
{
	const struct hw_intrinsic *in = &hw->intrinsic[intr];
	const struct ir_tensor *ta = &g->tensor[op->in[ia].tensor], *tb = &g->tensor[op->in[ib].tensor];
	if (!dtype_converts(ta->dtype, in->a.dtype)) {
		snprintf(why, 256, "'%s' is %s but operand '%s' (buffer '%s') holds %s", ta->name, dtype_name(ta->dtype),
			 in->a.name, hw->level[in->a.level].name, dtype_name(in->a.dtype));
		return;
	}
	if (!dtype_converts(tb->dtype, in->b.dtype)) {
		snprintf(why, 256, "'%s' is %s but operand '%s' (buffer '%s') holds %s", tb->name, dtype_name(tb->dtype),
			 in->b.name, hw->level[in->b.level].name, dtype_name(in->b.dtype));
		return;
	}
	if (op->acc != in->out.dtype) {
		snprintf(why, 256, "the op accumulates in %s but operand '%s' accumulates in %s", dtype_name(op->acc),
			 in->out.name, dtype_name(in->out.dtype));
		return;
	}
	if (!output_planes(hw, g->tensor[op->out.tensor].dtype, why))
		return;
	check_epilogues(hw, g, op, why);
	if (!*why)
		check_staging(hw, why);
}

/* Intrinsic dimensions an iterator may be fused onto, as a bit set. */
static unsigned iter_choices(const struct hw_intrinsic *in, const struct ir_op *op, int ia, int ib, int it)
{
	unsigned m = iter_mask(op, ia, ib, it), set = 0;
	for (int d = 0; d < in->ndims; d++)
		if (dim_mask(in, d) == m && in->dim_reduction[d] == op->iter[it].reduction)
			set |= 1u << d;
	return set;
}

/* The iterator side: every reduction dimension needs an iterator. */
static void check_iterators(const struct hw_intrinsic *in, const struct ir_op *op, int ia, int ib, char *why)
{
	for (int d = 0; d < in->ndims; d++) {
		if (!in->dim_reduction[d])
			continue;
		bool any = false;
		for (int it = 0; it < op->niters; it++)
			any |= (iter_choices(in, op, ia, ib, it) >> d) & 1;
		if (any)
			continue;
		int n = snprintf(why, 256, "no iterator of the op can feed reduction dimension '%s', which %s index",
				 in->dim_name[d], mask_text(dim_mask(in, d)));
		const char *sep = ": the op's reduction iterators are ";
		bool listed = false;
		for (int it = 0; it < op->niters && n < 200; it++)
			if (op->iter[it].reduction) {
				n += snprintf(why + n, 256 - (size_t)n, "%s%s (read by %s)", sep, op->iter[it].name,
					      mask_text(iter_mask(op, ia, ib, it)));
				sep = ", ", listed = true;
			}
		if (!listed)
			snprintf(why + n, 256 - (size_t)n, "; the op has no reduction iterator");
		return;
	}
}

static int by_efficiency(const void *x, const void *y)
{
	const struct tz_binding *a = x, *b = y;
	if (a->efficiency != b->efficiency)
		return a->efficiency < b->efficiency ? 1 : -1;
	int na = 0, nb = 0;
	for (int i = 0; i < IR_MAX_ITERS; i++)
		na += a->dim_of[i] >= 0, nb += b->dim_of[i] >= 0;
	return nb - na; /* more iterators inside the intrinsic: fewer, bigger loops */
}

static void add_reject(struct tz_match *m, int intr, const char *why)
{
	if (m->nrejects < (int)(sizeof m->reject / sizeof *m->reject)) {
		m->reject[m->nrejects].intrinsic = intr;
		snprintf(m->reject[m->nrejects].why, sizeof m->reject[0].why, "%s", why);
		m->nrejects++;
	}
}

static void add_binding(const struct hw *hw, const struct ir_graph *g, int op, struct tz_match *m,
			const struct tz_binding *b)
{
	if (m->nbindings == TZ_MAX_BINDINGS) {
		m->truncated = true;
		return;
	}
	struct tz_binding d = *b;
	char why[256] = "";
	if (tz_binding_derive(hw, g, op, &d, why))
		return;
	if (m->nomem)
		return;
	if (!m->nbindings && !(m->binding = try_malloc(TZ_MATCH_BINDINGS_BYTES))) {
		m->nomem = true;
		return;
	}
	m->binding[m->nbindings++] = d;
}

/* Every assignment of the iterators to their choices (or to no dimension). */
static void enumerate(const struct hw *hw, const struct ir_graph *g, int op, struct tz_match *m, struct tz_binding *b,
		      const unsigned *choices, int it)
{
	const struct ir_op *o = &g->op[op];
	if (it == o->niters) {
		const struct hw_intrinsic *in = &hw->intrinsic[b->intrinsic];
		for (int d = 0; d < in->ndims; d++) {
			if (!in->dim_reduction[d])
				continue;
			bool bound = false;
			for (int i = 0; i < o->niters; i++)
				bound |= b->dim_of[i] == d;
			if (!bound)
				return;
		}
		add_binding(hw, g, op, m, b);
		return;
	}
	b->dim_of[it] = -1;
	enumerate(hw, g, op, m, b, choices, it + 1);
	for (int d = 0; d < HW_MAX_DIMS; d++)
		if ((choices[it] >> d) & 1) {
			b->dim_of[it] = (int8_t)d;
			enumerate(hw, g, op, m, b, choices, it + 1);
		}
	b->dim_of[it] = -1;
}

/* Whether iterator `it` can be fused diagonally: read by a, b and the
 * output and no reduction, with a's and the output's elements each one row
 * of values (the output's as many, or a multiple: its block then takes
 * several of a's), along dimensions b's tiles both index (*da, *dj). */
static bool diagonal_dims(const struct hw_intrinsic *in, const struct ir_op *op, int ia, int ib, int it, int *da,
			  int *dj)
{
	int a = tz_operand_lane(in, &in->a), j = tz_operand_lane(in, &in->out);
	if (tz_operand_rows(in, &in->a) != tz_operand_rows(in, &in->out)) /* the rows: the same points in both */
		return false;
	if (op->iter[it].reduction || iter_mask(op, ia, ib, it) != (TZ_IN_A | TZ_IN_B | TZ_IN_OUT) || a < 0 || j < 0 ||
	    in->dim_size[j] % in->dim_size[a] || !(dim_mask(in, a) & TZ_IN_B) || !(dim_mask(in, j) & TZ_IN_B) ||
	    dim_mask(in, a) & TZ_IN_OUT)
		return false;
	if (da)
		*da = a, *dj = j;
	return true;
}

/* The diagonal binding of iterator `it`, with iterator `r` along the
 * elements' rows (-1: none), where the direct form runs it. */
static void try_diagonal(const struct hw *hw, const struct ir_graph *g, int op, struct tz_match *m, int intr, int ia,
			 int ib, int it, int r)
{
	struct tz_binding d = {.intrinsic = intr, .input_a = ia, .input_b = ib, .diagonal = (int8_t)(it + 1)};
	memset(d.dim_of, -1, sizeof d.dim_of);
	if (r >= 0)
		d.dim_of[r] = (int8_t)tz_operand_rows(&hw->intrinsic[intr], &hw->intrinsic[intr].a);
	struct tz_geometry geo;
	char why[256];
	if (tz_binding_derive(hw, g, op, &d, why))
		return;
	tz_geometry_init(&geo, hw, g, op, &d);
	if (geo.dir.ok)
		add_binding(hw, g, op, m, &d);
}

/* The diagonal bindings of iterator `it`: on elements of several rows, one
 * with each iterator as long as the rows along them. */
static void add_diagonal(const struct hw *hw, const struct ir_graph *g, int op, struct tz_match *m, int intr, int ia,
			 int ib, int it)
{
	const struct hw_intrinsic *in = &hw->intrinsic[intr];
	const struct ir_op *o = &g->op[op];
	int rows = tz_operand_rows(in, &in->a);
	if (rows < 0) {
		try_diagonal(hw, g, op, m, intr, ia, ib, it, -1);
		return;
	}
	for (int r = 0; r < o->niters; r++)
		if (r != it && !o->iter[r].reduction && o->iter[r].extent == in->dim_size[rows])
			try_diagonal(hw, g, op, m, intr, ia, ib, it, r);
}

static bool op_is_mac(const struct ir_op *op, char *why)
{
	if (op->nin != 2 || op->combine != IR_COMBINE_MUL || op->reduce != IR_REDUCE_SUM) {
		snprintf(why, 256, "the op computes %s, not a sum of products (+= a * b), which is what intrinsics compute",
			 op->reduce == IR_REDUCE_MAX ? "a maximum (max=)" :
			 op->reduce == IR_REDUCE_ASSIGN ? "each value once, with no reduction (=)" :
			 op->combine != IR_COMBINE_MUL ? "a sum of its input without multiplying (+=)" : "with one input");
		return false;
	}
	return true;
}

int tz_match_op(const struct hw *hw, const struct ir_graph *g, int op, struct tz_match *m)
{
	memset(m, 0, sizeof *m);
	const struct ir_op *o = &g->op[op];
	char why[256] = "";
	if (!op_is_mac(o, why)) {
		add_reject(m, -1, why);
		return 0;
	}
	for (int intr = 0; intr < hw->nintrinsics; intr++) {
		for (int swap = 0; swap < 2; swap++) {
			int ia = swap, ib = 1 - swap;
			why[0] = 0;
			check_pair(hw, g, o, intr, ia, ib, why);
			if (!*why)
				check_iterators(&hw->intrinsic[intr], o, ia, ib, why);
			if (*why) {
				char full[400];
				snprintf(full, sizeof full, "with a=%.40s, b=%.40s: %s", g->tensor[o->in[ia].tensor].name,
					 g->tensor[o->in[ib].tensor].name, why);
				add_reject(m, intr, full);
				continue;
			}
			unsigned choices[IR_MAX_ITERS];
			for (int it = 0; it < o->niters; it++)
				choices[it] = iter_choices(&hw->intrinsic[intr], o, ia, ib, it);
			struct tz_binding b = {.intrinsic = intr, .input_a = ia, .input_b = ib};
			enumerate(hw, g, op, m, &b, choices, 0);
			for (int it = 0; it < o->niters; it++) /* diagonal bindings: the direct form runs them, or nothing */
				if (diagonal_dims(&hw->intrinsic[intr], o, ia, ib, it, NULL, NULL))
					add_diagonal(hw, g, op, m, intr, ia, ib, it);
		}
	}
	if (m->nomem) {
		tz_match_free(m);
		m->nomem = true;
		return -1;
	}
	if (m->nbindings)
		qsort(m->binding, (size_t)m->nbindings, sizeof *m->binding, by_efficiency);
	return 0;
}

void tz_match_free(struct tz_match *m)
{
	free(m->binding);
	memset(m, 0, sizeof *m);
}

int tz_binding_derive(const struct hw *hw, const struct ir_graph *g, int op, struct tz_binding *b, char why[256])
{
	const struct ir_op *o = &g->op[op];
	why[0] = 0;
	if (b->intrinsic < 0 || b->intrinsic >= hw->nintrinsics || b->input_a < 0 || b->input_a > 1 ||
	    b->input_b != 1 - b->input_a) {
		snprintf(why, 256, "no such intrinsic or operand assignment");
		return -1;
	}
	if (!op_is_mac(o, why))
		return -1;
	const struct hw_intrinsic *in = &hw->intrinsic[b->intrinsic];
	check_pair(hw, g, o, b->intrinsic, b->input_a, b->input_b, why);
	if (*why)
		return -1;
	double useful = 1, issued = 1;
	for (int d = 0; d < in->ndims; d++)
		b->fused[d] = 1;
	int diag = tz_diagonal(b), da = -1, dj = -1;
	if (diag >= 0) {
		if (diag >= o->niters || !diagonal_dims(in, o, b->input_a, b->input_b, diag, &da, &dj)) {
			snprintf(why, 256, "iterator %d cannot be fused diagonally", diag);
			return -1;
		}
		for (int it = 0; it < o->niters; it++)
			if (b->dim_of[it] >= 0 && b->dim_of[it] != tz_operand_rows(in, &in->a)) {
				snprintf(why, 256, "a diagonal binding fuses no other iterator but one along its elements' rows");
				return -1;
			}
		/* its values on the diagonal: per block of the output's lanes, one MAC in w of each output lane is
		 * useful, over w / dim_size[da] tiles */
		int64_t e = o->iter[diag].extent, w = in->dim_size[dj];
		b->fused[da] = b->fused[dj] = w;
		useful *= (double)e;
		issued *= (double)(((e + w - 1) / w) * w * w);
	}
	for (int it = 0; it < o->niters; it++) {
		int d = b->dim_of[it];
		if (d < 0)
			continue;
		if (d >= in->ndims || !((iter_choices(in, o, b->input_a, b->input_b, it) >> d) & 1)) {
			snprintf(why, 256, "iterator '%s' cannot be fused onto dimension %d", o->iter[it].name, d);
			return -1;
		}
		b->fused[d] *= o->iter[it].extent;
	}
	for (int d = 0; d < in->ndims; d++) {
		b->tiles[d] = (b->fused[d] + in->dim_size[d] - 1) / in->dim_size[d];
		if (d == da || d == dj)
			continue;
		useful *= (double)b->fused[d];
		issued *= (double)(b->tiles[d] * in->dim_size[d]);
	}
	b->efficiency = useful / issued;
	b->planes = output_planes(hw, g->tensor[o->out.tensor].dtype, why);
	return 0;
}

void tz_binding_format(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_binding *b,
		       struct strbuf *out)
{
	const struct ir_op *o = &g->op[op];
	const struct hw_intrinsic *in = &hw->intrinsic[b->intrinsic];
	sb_printf(out, "%s:", in->name);
	int diag = tz_diagonal(b), da = -1, dj = -1;
	if (diag >= 0 && diag < o->niters)
		diagonal_dims(in, o, b->input_a, b->input_b, diag, &da, &dj);
	for (int d = 0; d < in->ndims; d++) {
		sb_printf(out, " %s<-", in->dim_name[d]);
		const char *sep = "";
		for (int it = 0; it < o->niters; it++)
			if (b->dim_of[it] == d || ((d == da || d == dj) && it == diag)) {
				sb_printf(out, "%s%s", sep, o->iter[it].name);
				sep = ".";
			}
		if (!*sep)
			sb_printf(out, "1");
	}
	if (da >= 0)
		sb_printf(out, " (diagonal)");
	const char *sep = " outside:";
	for (int it = 0; it < o->niters; it++)
		if (b->dim_of[it] < 0 && it != diag) {
			sb_printf(out, "%s %s", sep, o->iter[it].name);
			sep = "";
		}
	sb_printf(out, " | %s=%s %s=%s", in->a.name, g->tensor[o->in[b->input_a].tensor].name, in->b.name,
		  g->tensor[o->in[b->input_b].tensor].name);
}

/* The iterators fused onto intrinsic dimension d (the diagonal's on both of
 * its dimensions), as a JSON array. */
static void json_dim_iters(const struct ir_op *o, const struct tz_binding *b, int d, int da, int dj, int diag,
			   struct strbuf *out)
{
	const char *sep = "";
	sb_puts(out, "[");
	for (int it = 0; it < o->niters; it++)
		if (b->dim_of[it] == d || ((d == da || d == dj) && it == diag)) {
			sb_puts(out, sep);
			sb_json_string(out, o->iter[it].name);
			sep = ",";
		}
	sb_puts(out, "]");
}

static void json_operand(const struct ir_graph *g, const struct ir_op *o, const struct hw_operand *hop, int input,
			 struct strbuf *out)
{
	sb_puts(out, "{\"operand\":");
	sb_json_string(out, hop->name);
	sb_puts(out, ",\"tensor\":");
	sb_json_string(out, g->tensor[o->in[input].tensor].name);
	sb_puts(out, "}");
}

void tz_binding_json(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_binding *b,
		     struct strbuf *out)
{
	const struct ir_op *o = &g->op[op];
	const struct hw_intrinsic *in = &hw->intrinsic[b->intrinsic];
	int diag = tz_diagonal(b), da = -1, dj = -1;
	if (diag >= 0 && diag < o->niters)
		diagonal_dims(in, o, b->input_a, b->input_b, diag, &da, &dj);
	sb_puts(out, "{\"intrinsic\":");
	sb_json_string(out, in->name);
	sb_puts(out, ",\"dims\":[");
	for (int d = 0; d < in->ndims; d++) {
		sb_printf(out, "%s{\"name\":", d ? "," : "");
		sb_json_string(out, in->dim_name[d]);
		sb_printf(out, ",\"size\":%u,\"reduction\":%s,\"iterators\":", in->dim_size[d],
			  in->dim_reduction[d] ? "true" : "false");
		json_dim_iters(o, b, d, da, dj, diag, out);
		sb_printf(out, ",\"fused\":%" PRId64 ",\"tiles\":%" PRId64 "}", b->fused[d], b->tiles[d]);
	}
	sb_puts(out, "],\"outside\":[");
	const char *sep = "";
	for (int it = 0; it < o->niters; it++)
		if (b->dim_of[it] < 0 && it != diag) {
			sb_puts(out, sep);
			sb_json_string(out, o->iter[it].name);
			sep = ",";
		}
	sb_puts(out, "],\"diagonal\":");
	if (da >= 0)
		sb_json_string(out, o->iter[diag].name);
	else
		sb_puts(out, "null");
	sb_puts(out, ",\"a\":");
	json_operand(g, o, &in->a, b->input_a, out);
	sb_puts(out, ",\"b\":");
	json_operand(g, o, &in->b, b->input_b, out);
	sb_printf(out, ",\"efficiency\":%.6f,\"planes\":%d}", b->efficiency, b->planes);
}
