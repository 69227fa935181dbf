/* The bias as each output tile's first beat (tz_bias_beat) on edge-tiny, a
 * 1x8x8 int8 GEMM whose 4-lane ALU takes two cycles over an accumulator
 * element: in a compiled dense layer the place values times each output
 * tile's digits give back the bias, value for value, and the layer's
 * output is the reference interpreter's; the beat is taken for a bias
 * range exactly when int8 digits over the program's place values can sum
 * to both its ends; data outside the range the bias was given refuses the
 * program with an error. */
#include <string.h>

#include "opcase.h"

enum { M = 5, K = 19, N = 40 };

/* A dense layer [M, K] x [N, K] plus a bias of bounds [lo, hi] (data
 * spread over them, both ends among it; value 0 set to `first` when it
 * is not 0), shifted right by 3. */
static int dense_with_bias(struct opcase *r, int64_t lo, int64_t hi, int64_t first)
{
	int x = ir_add_tensor(&r->g, "x", IR_TENSOR_INPUT, DT_INT8, 2, (int64_t[]){M, K}, NULL, &r->err);
	int w = ir_add_tensor(&r->g, "w", IR_TENSOR_WEIGHT, DT_INT8, 2, (int64_t[]){N, K}, NULL, &r->err);
	int op = ir_dense(&r->g, "dense", x, w, "y", DT_INT32, &r->err);
	struct ir_epilogue bias = {.kind = IR_EP_BIAS, .dim = 1}, shr = {.kind = IR_EP_SHR, .imm = 3};
	bias.tensor = ir_add_tensor(&r->g, "b", IR_TENSOR_WEIGHT, DT_INT32, 1, (int64_t[]){N}, NULL, &r->err);
	ASSERT(op >= 0 && bias.tensor >= 0);
	struct ir_tensor *t = &r->g.tensor[bias.tensor];
	t->bounded = true, t->lo = lo, t->hi = hi;
	ASSERT_EQ(ir_add_epilogue(&r->g, op, &bias, &r->err), 0);
	ASSERT_EQ(ir_add_epilogue(&r->g, op, &shr, &r->err), 0);
	fill(r);
	for (int i = 0; i < N; i++) { /* evenly from lo to hi */
		int64_t v = lo + (int64_t)((double)(hi - lo) * i / (N - 1));
		r->v[bias.tensor].i[i] = v;
		val_put_int(r->raw[bias.tensor], DT_INT32, (uint64_t)i, v);
	}
	if (first) {
		r->v[bias.tensor].i[0] = first;
		val_put_int(r->raw[bias.tensor], DT_INT32, 0, first);
	}
	return op;
}

/* The op's default mapping on its best binding. */
static struct tz_mapping default_map(const struct hw *hw, struct opcase *r, int op)
{
	struct tz_match m;
	tz_match_op(hw, &r->g, op, &m);
	ASSERT(m.nbindings > 0);
	struct tz_geometry geo;
	tz_geometry_init(&geo, hw, &r->g, op, &m.binding[0]);
	tz_match_free(&m);
	struct tz_mapping map;
	char why[256];
	ASSERT_EQ(tz_default_mapping(&geo, &map, why), 0);
	return map;
}

/* The op compiled with its default mapping. */
static int compile(const struct hw *hw, struct opcase *r, int op, struct cc_program *prog, struct diags *err)
{
	struct tz_mapping map = default_map(hw, r, op);
	struct cc_plan *plans = xcalloc((size_t)r->g.nops + 1, sizeof *plans);
	cc_plan_mapping(hw, &r->g, op, &map, &plans[op]);
	struct cc_request rq = {.g = &r->g, .plans = plans, .ops = &op, .nops = 1,
				.data = (const uint8_t *const *)r->raw};
	int rc = cc_build(hw, &rq, prog, err);
	free(plans);
	return rc;
}

static const struct isa_segment *segment(const struct cc_program *prog, const char *name)
{
	for (int i = 0; i < prog->p.nseg; i++)
		if (!strcmp(prog->p.seg[i].name, name))
			return &prog->p.seg[i];
	return NULL;
}

/* The least and greatest sums of int8 digits over the place values. */
static void digit_sums(const int8_t *place, int64_t *lo, int64_t *hi)
{
	*lo = *hi = 0;
	for (int k = 0; k < 8; k++) {
		*lo += place[k] >= 0 ? place[k] * -128 : place[k] * 127;
		*hi += place[k] >= 0 ? place[k] * 127 : place[k] * -128;
	}
}

int main(void)
{
	const char *src = getenv("TESSEL_SOURCE_DIR");
	char path[512];
	snprintf(path, sizeof path, "%s/examples/hw/edge-tiny.yaml", src ? src : ".");
	struct hw hw;
	struct diags err = {0};
	ASSERT_EQ(hw_load_file(path, &hw, &err), 0);

	/* a small range: the digits, read from the program, give the bias back */
	struct opcase r = {0};
	int op = dense_with_bias(&r, -3000, 2000, 0);
	struct cc_program prog;
	ASSERT_EQ(compile(&hw, &r, op, &prog, &err), 0);
	const struct isa_segment *place = segment(&prog, "dense.bias_place"), *digits = segment(&prog, "dense.bias_digits");
	ASSERT(place && digits && !segment(&prog, "dense.bias"));
	int64_t sum_lo = 0, sum_hi = 0;
	if (place && digits) {
		ASSERT_EQ(place->size, 8);
		ASSERT_EQ(digits->size, (N + 7) / 8 * 64);
		ASSERT(place->data_len == 8 && digits->data_len == digits->size);
		const int8_t *p = (const int8_t *)place->data, *d = (const int8_t *)digits->data;
		digit_sums(p, &sum_lo, &sum_hi);
		int wrong = 0;
		for (int n = 0; n < N; n++) { /* output channel n: row n % 8 of tile n / 8 */
			int64_t s = 0;
			for (int k = 0; k < 8; k++)
				s += (int64_t)p[k] * d[(n / 8) * 64 + (n % 8) * 8 + k];
			wrong += s != r.v[r.g.op[op].epilogue[0].tensor].i[n];
		}
		ASSERT_EQ(wrong, 0);
	}
	cc_program_free(&prog);
	struct tz_mapping map = default_map(&hw, &r, op);
	ASSERT(opcase_verify(&hw, &r, op, &map, "dense, bias in [-3000, 2000]"));
	run_free(&r);
	printf("place values sum int8 digits to [%lld, %lld]\n", (long long)sum_lo, (long long)sum_hi);
	ASSERT(sum_lo < -100000 && sum_hi > 100000);

	/* the ends of those sums: the beat, and the right output; one past either: the add */
	const int64_t ranges[][2] = {{sum_lo, sum_hi}, {sum_lo - 1, 0}, {0, sum_hi + 1}, {sum_lo, sum_lo}};
	const bool beat[] = {true, false, false, true};
	for (int i = 0; i < 4; i++) {
		struct opcase c = {0};
		op = dense_with_bias(&c, ranges[i][0], ranges[i][1], 0);
		ASSERT_EQ(compile(&hw, &c, op, &prog, &err), 0);
		ASSERT_EQ(segment(&prog, "dense.bias_digits") != NULL, beat[i]);
		ASSERT_EQ(segment(&prog, "dense.bias") != NULL, !beat[i]);
		cc_program_free(&prog);
		char what[96];
		snprintf(what, sizeof what, "dense, bias in [%lld, %lld]", (long long)ranges[i][0], (long long)ranges[i][1]);
		map = default_map(&hw, &c, op);
		ASSERT(opcase_verify(&hw, &c, op, &map, what));
		run_free(&c);
	}

	/* data outside the bounds the bias was given: an error, not an abort */
	struct opcase o = {0};
	op = dense_with_bias(&o, -10, 10, 200000);
	struct diags e2 = {0};
	ASSERT_EQ(compile(&hw, &o, op, &prog, &e2), -1);
	ASSERT(e2.n == 1 && strstr(e2.v[0].msg, "op 'dense': a bias value outside the range its tensor was given"));
	if (e2.n)
		printf("%s\n", e2.v[0].msg);
	diag_free(&e2);
	run_free(&o);
	diag_free(&err);
	opcase_close_device();
	return test_done("bias_beat");
}
