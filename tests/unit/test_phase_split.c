/* Phase splitting (ir/phase.c, docs/tensorize.md): random strided
 * convolutions — conv1d, asymmetric strides and padding, windows shorter
 * and longer than the stride, one to twenty channels, batches, epilogues —
 * are found exactly when a dimension can split; the split graph (layout op,
 * split weights, split op) computes what the op computes, by the reference
 * interpreter (tests/unit/ir_interp.h), which shares no code with the
 * split; and the split op compiled for each integer example configuration
 * (its default plan, and its direct form where it has one) gives the same
 * on the simulator.  Then cc_rewrite on workloads: a three-channel stem
 * split on vta-default, a wide strided layer left alone, a taken name
 * left alone. */
#include "opcase.h"

static int cases, found, checked, direct;

/* Whether some dimension of conv `a` should split: stride > 1, no
 * dilation, a window at least the stride, one group. */
static bool splittable(const struct ir_conv2d_attrs *a, int64_t KH, int64_t KW)
{
	if (a->groups != 1)
		return false;
	return (a->stride[0] > 1 && a->dilation[0] == 1 && KH >= a->stride[0]) ||
	       (a->stride[1] > 1 && a->dilation[1] == 1 && KW >= a->stride[1]);
}

static int random_conv(struct opcase *r, bool *expect)
{
	int op = -1;
	while (op < 0) {
		run_free(r);
		bool one_d = rnd(0, 3) == 0;
		int64_t G = rnd(0, 5) ? 1 : 2, C = G * (rnd(0, 2) ? rnd(1, 6) : rnd(1, 20)), O = G * rnd(1, 20);
		int64_t N = rnd(1, 2), H = one_d ? 1 : rnd(1, 14), W = rnd(1, 14), KH = one_d ? 1 : rnd(1, 7), KW = rnd(1, 7);
		struct ir_conv2d_attrs a = {{rnd(1, 3), rnd(1, 3)},
					    {one_d ? 0 : rnd(0, 3), rnd(0, 3), one_d ? 0 : rnd(0, 3), rnd(0, 3)},
					    {rnd(0, 5) ? 1 : 2, rnd(0, 5) ? 1 : 2}, G, false};
		int in = ir_add_tensor(&r->g, "x", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){N, H, W, C}, "NHWC", &r->err);
		int w = ir_add_tensor(&r->g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){O, KH, KW, C / G}, "OHWI", &r->err);
		op = ir_conv2d(&r->g, "conv", in, w, &a, "y", rnd(0, 2) ? DT_INT8 : DT_INT32, &r->err);
		*expect = splittable(&a, KH, KW);
	}
	return op;
}

/* r2: r's graph split, every tensor's values: the originals copied, the
 * split weight by ir_phase_split_source, the rest by the interpreter. */
static void split_case(struct opcase *r, const struct ir_phase_split *ps, struct opcase *r2)
{
	memset(r2, 0, sizeof *r2);
	ASSERT_EQ(ir_graph_copy(&r2->g, &r->g), 0);
	ASSERT_EQ(ir_phase_split_apply(&r2->g, ps, "x.phases", "w.phases", &r2->err), ps->op);
	ASSERT_EQ(r2->g.ntensors, r->g.ntensors + 2);
	ASSERT(r2->g.ntensors <= 8);
	for (int t = 0; t < r2->g.ntensors; t++) {
		const struct ir_tensor *ts = &r2->g.tensor[t];
		size_t n = (size_t)ir_tensor_elems(ts);
		r2->v[t].i = xcalloc(n, sizeof(int64_t));
		r2->raw[t] = xcalloc(n, dtype_bytes(ts->dtype));
		if (t < r->g.ntensors && ts->producer < 0)
			memcpy(r2->v[t].i, r->v[t].i, n * sizeof(int64_t));
	}
	int ws = ir_tensor_lookup(&r2->g, "w.phases"), w = r->g.op[ps->op].in[ps->b].tensor;
	for (int64_t i = 0; i < ir_tensor_elems(&r2->g.tensor[ws]); i++) {
		int64_t s = ir_phase_split_source(ps, &r2->g.tensor[w], &r2->g.tensor[ws], i);
		r2->v[ws].i[i] = s >= 0 ? r->v[w].i[s] : 0;
	}
	interp_op(&r2->g, ps->op, r2->v); /* the layout op */
	for (int t = 0; t < r2->g.ntensors; t++) /* what the device is given */
		for (int64_t i = 0; i < ir_tensor_elems(&r2->g.tensor[t]); i++)
			val_put_int(r2->raw[t], r2->g.tensor[t].dtype, (uint64_t)i, r2->v[t].i[i]);
}

static void check_config(const struct hw *hw, const char *name)
{
	for (int i = 0; i < 60; i++) {
		struct opcase r = {0}, r2;
		bool expect;
		int op = random_conv(&r, &expect);
		random_epilogues(&r, op, false);
		fill(&r);
		struct ir_phase_split ps;
		bool got = ir_phase_split_find(&r.g, op, &ps);
		cases++;
		ASSERT_EQ(got, expect);
		if (got != expect || !got) {
			run_free(&r);
			continue;
		}
		found++;
		split_case(&r, &ps, &r2);
		interp_op(&r.g, op, r.v);
		interp_op(&r2.g, ps.op + 1, r2.v);
		int y = r.g.op[op].out.tensor;
		int64_t n = ir_tensor_elems(&r.g.tensor[y]), bad = 0;
		for (int64_t k = 0; k < n; k++)
			bad += r.v[y].i[k] != r2.v[y].i[k];
		ASSERT_EQ(bad, 0);
		char what[160];
		snprintf(what, sizeof what, "%s case %d (%" PRId64 " phases)", name, i, ps.phases);
		struct cc_plan plan;
		ASSERT_EQ(cc_plan_op(hw, &r2.g, ps.op + 1, &plan, &r2.err), 0);
		if (plan.kind == CC_GEMM)
			checked += opcase_verify(hw, &r2, ps.op + 1, &plan.map, what);
		struct tz_match m;
		tz_match_op(hw, &r2.g, ps.op + 1, &m);
		for (int b = 0; b < m.nbindings; b++) {
			struct tz_geometry geo;
			struct tz_mapping dm;
			char why[256];
			tz_geometry_init(&geo, hw, &r2.g, ps.op + 1, &m.binding[b]);
			if (!geo.dir.ok || tz_default_direct(&geo, &dm, why))
				continue;
			direct += opcase_verify(hw, &r2, ps.op + 1, &dm, what);
			break;
		}
		tz_match_free(&m);
		run_free(&r2);
		run_free(&r);
	}
}

static void load(struct wl_workload *w, const char *yaml, const struct hw *hw)
{
	struct diags err = {0};
	ASSERT_EQ(wl_load_string(yaml, "stem.yaml", w, &err), 0);
	ASSERT_EQ(cc_rewrite(hw, w, &err), 0);
	diag_print(&err, stderr);
	diag_free(&err);
}

/* cc_rewrite on workloads: what it splits and what it leaves. */
static void check_rewrite(const struct hw *vta)
{
	static const char stem[] = "name: stem\ntensors:\n"
				   "  - {name: x, shape: [1, 64, 64, 3], dtype: int8}\n"
				   "  - {name: w, shape: [16, 7, 7, 3], dtype: int8, kind: weight}\n"
				   "  - {name: w2, shape: [32, 3, 3, 16], dtype: int8, kind: weight}\n"
				   "ops:\n"
				   "  - {name: c, op: conv2d, input: x, weight: w, stride: 2, pad: 3, dtype: int8}\n"
				   "  - {name: d, op: conv2d, input: c, weight: w2, stride: 2, pad: 1, dtype: int8}\n";
	struct wl_workload w;
	load(&w, stem, vta);
	ASSERT_EQ(w.g.nops, 3);
	ASSERT_STR(w.g.op[0].name, "c.phases");
	ASSERT_STR(w.g.op[1].name, "c");
	ASSERT_STR(w.g.op[2].name, "d"); /* sixteen channels: one element already */
	int xs = ir_tensor_lookup(&w.g, "c.phases"), ws = ir_tensor_lookup(&w.g, "c.weights");
	ASSERT(xs >= 0 && ws >= 0);
	ASSERT_EQ(w.g.tensor[xs].producer, 0);
	ASSERT_EQ(w.g.tensor[ir_tensor_lookup(&w.g, "c")].producer, 1);
	ASSERT_EQ(w.g.tensor[ir_tensor_lookup(&w.g, "d")].producer, 2);
	ASSERT_EQ(w.g.tensor[xs].shape[1], 35); /* 32 outputs + ceil(7 / 2) - 1 */
	ASSERT_EQ(w.g.tensor[xs].shape[3], 12);
	ASSERT_EQ(w.g.tensor[ws].shape[1], 4);
	ASSERT_EQ(ir_op_macs(&w.g.op[1]), 32 * 32 * 16 * 7 * 7 * 3); /* the taps that count */
	ASSERT_EQ(w.op_at[1].line, w.op_at[0].line);
	/* the split weight holds the weight's values: w'[o][kh'][kw'][(ph·2 + pw)·3 + c] = w[o][2kh'+ph][2kw'+pw][c] */
	int wt = ir_tensor_lookup(&w.g, "w");
	uint8_t *a = xmalloc(wl_tensor_bytes(&w, wt)), *b = xmalloc(wl_tensor_bytes(&w, ws));
	ASSERT(wl_tensor_fill(&w, wt, a) && wl_tensor_fill(&w, ws, b));
	int64_t bad = 0;
	for (int o = 0; o < 16; o++)
		for (int kh = 0; kh < 4; kh++)
			for (int kw = 0; kw < 4; kw++)
				for (int l = 0; l < 12; l++) {
					int ph = l / 6, pw = l / 3 % 2, c = l % 3, h = 2 * kh + ph, x = 2 * kw + pw;
					int8_t want = h < 7 && x < 7 ? (int8_t)a[((o * 7 + h) * 7 + x) * 3 + c] : 0;
					bad += (int8_t)b[((o * 4 + kh) * 4 + kw) * 12 + l] != want;
				}
	ASSERT_EQ(bad, 0);
	free(a);
	free(b);
	wl_free(&w);

	/* a name the split would take: left as it was */
	static const char taken[] = "name: taken\ntensors:\n"
				    "  - {name: x, shape: [1, 32, 32, 3], dtype: int8}\n"
				    "  - {name: w, shape: [16, 7, 7, 3], dtype: int8, kind: weight}\n"
				    "  - {name: c.phases, shape: [4], dtype: int8}\n"
				    "ops:\n"
				    "  - {name: c, op: conv2d, input: x, weight: w, stride: 2, pad: 3, dtype: int8}\n";
	load(&w, taken, vta);
	ASSERT_EQ(w.g.nops, 1);
	wl_free(&w);
}

int main(void)
{
	const char *src = getenv("TESSEL_SOURCE_DIR");
	static const char *const configs[] = {"vta-default", "edge-tiny", "dot-i8", "server-wide"};
	struct hw vta;
	for (int c = 0; c < 4; c++) {
		char path[512];
		snprintf(path, sizeof path, "%s/examples/hw/%s.yaml", src ? src : ".", configs[c]);
		struct hw hw;
		struct diags err = {0};
		ASSERT_EQ(hw_load_file(path, &hw, &err), 0);
		diag_free(&err);
		if (!c)
			vta = hw;
		check_config(&hw, configs[c]);
	}
	printf("%d random convolutions, %d split; %d split ops verified in their default plan, %d in the direct form\n",
	       cases, found, checked, direct);
	ASSERT(found >= 40);
	ASSERT(checked >= 40);
	ASSERT(direct >= 25);
	check_rewrite(&vta);
	opcase_close_device();
	return test_done("phase_split");
}
