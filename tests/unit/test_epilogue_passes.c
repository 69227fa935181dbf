/* The ALU passes of epilogue chains (tz_epilogue_passes), each list written
 * out by hand here from the ALU's definition (docs/microarch.md): what the
 * lowering emits and the estimate counts.  That the fused passes compute the
 * same bits is the random-op property test's (test_lower_property). */
#include <string.h>

#include "tensorize/tensorize.h"
#include "test.h"

struct pass_case {
	const char *what;
	struct ir_epilogue ep[4];
	int nep;
	struct tz_pass want[4];
	int nwant;
};

/* A 4x8 x 8x16 int8 matmul into an int8 output with the epilogues ep (a
 * bias, where there is one, along the output's columns); the op's index. */
static int matmul_with(struct ir_graph *g, const struct ir_epilogue *eps, int nep)
{
	struct diags err = {0};
	int a = ir_add_tensor(g, "a", IR_TENSOR_INPUT, DT_INT8, 2, (int64_t[]){4, 8}, NULL, &err);
	int b = ir_add_tensor(g, "b", IR_TENSOR_WEIGHT, DT_INT8, 2, (int64_t[]){8, 16}, NULL, &err);
	int bias = ir_add_tensor(g, "bias", IR_TENSOR_WEIGHT, DT_INT32, 1, (int64_t[]){16}, NULL, &err);
	int op = ir_matmul(g, "mm", a, b, "y", DT_INT8, &err);
	ASSERT(op >= 0);
	for (int e = 0; e < nep; e++) {
		struct ir_epilogue ep = eps[e];
		if (ep.kind == IR_EP_BIAS)
			ep.tensor = bias, ep.dim = 1;
		ASSERT_EQ(ir_add_epilogue(g, op, &ep, &err), 0);
	}
	diag_free(&err);
	return op;
}

static void check(const struct hw *hw, const char *hw_name, const struct pass_case *c, bool bias_init)
{
	struct ir_graph g = {0};
	int op = matmul_with(&g, c->ep, c->nep);
	struct tz_pass got[TZ_MAX_PASSES];
	int n = tz_epilogue_passes(hw, &g.op[op], bias_init, got);
	bool same = n == c->nwant;
	for (int i = 0; same && i < n; i++)
		same = got[i].op == c->want[i].op && got[i].bias == c->want[i].bias && (got[i].bias || got[i].imm == c->want[i].imm);
	if (!same) {
		fprintf(stderr, "%s, %s%s: %d passes:", hw_name, c->what, bias_init ? " (bias as the start)" : "", n);
		for (int i = 0; i < n; i++)
			fprintf(stderr, " %s %lld%s", hw_alu_op_name(got[i].op), (long long)got[i].imm, got[i].bias ? " (bias)" : "");
		fprintf(stderr, "\n");
	}
	ASSERT(same);
	ir_graph_free(&g);
}

/* Matching asks of the ALU the passes the lowering emits: a description
 * with `requant` and no `shr` runs a shift the clip after it fuses into a
 * requant, and refuses a shift alone, naming the epilogue and the op. */
static void check_match_fused(const struct hw *edge)
{
	struct hw noshr = *edge;
	noshr.alu.ops &= ~(1u << HW_ALU_SHR);
	const struct ir_epilogue fused[] = {{.kind = IR_EP_SHR, .imm = 6}, {.kind = IR_EP_CLIP, .lo = -128, .hi = 127}};
	const struct ir_epilogue alone[] = {{.kind = IR_EP_SHR, .imm = 6}};
	struct ir_graph g = {0};
	struct tz_match m;
	int op = matmul_with(&g, fused, 2);
	ASSERT_EQ(tz_match_op(&noshr, &g, op, &m), 0);
	ASSERT(m.nbindings > 0);
	tz_match_free(&m);
	ir_graph_free(&g);
	memset(&g, 0, sizeof g);
	op = matmul_with(&g, alone, 1);
	ASSERT_EQ(tz_match_op(&noshr, &g, op, &m), 0);
	ASSERT_EQ(m.nbindings, 0);
	ASSERT(m.nrejects > 0);
	ASSERT(strstr(m.reject[0].why, "epilogue shr needs the ALU op 'shr'") != NULL);
	tz_match_free(&m);
	ir_graph_free(&g);
}

#define EP(k, ...) {.kind = IR_EP_##k, __VA_ARGS__}
#define P(o, i) {.op = HW_ALU_##o, .imm = (i)}
#define BIAS {.op = HW_ALU_ADD, .bias = true}

int main(void)
{
	struct hw vta, edge;
	test_load_example("vta-default", &vta); /* no requant */
	test_load_example("edge-tiny", &edge);  /* requant, an int8 output buffer: [-128, 127] */
	/* on both */
	static const struct pass_case common[] = {
		{"relu then clip -5 100: one clamp", {EP(RELU), EP(CLIP, .lo = -5, .hi = 100)}, 2, {P(MAX, 0), P(MIN, 100)}, 2},
		{"clip -5 100 then relu", {EP(CLIP, .lo = -5, .hi = 100), EP(RELU)}, 2, {P(MAX, 0), P(MIN, 100)}, 2},
		{"clip -10 -3 then relu: everything 0", {EP(CLIP, .lo = -10, .hi = -3), EP(RELU)}, 2, {P(MAX, 0), P(MIN, 0)}, 2},
		{"two clips", {EP(CLIP, .lo = -50, .hi = 90), EP(CLIP, .lo = -60, .hi = 40)}, 2, {P(MAX, -50), P(MIN, 40)}, 2},
		{"no-ops", {EP(ADD, .imm = 0), EP(MUL, .imm = 1), EP(SHR, .imm = 0)}, 3, {{0}}, 0},
		{"clip at the accumulator's limits", {EP(CLIP, .lo = INT32_MIN, .hi = INT32_MAX)}, 1, {{0}}, 0},
		{"a symmetric clip", {EP(CLIP, .lo = -128, .hi = 127)}, 1, {P(CLIP, 127)}, 1},
		{"a bias between clamps stays between them", {EP(RELU), EP(BIAS), EP(CLIP, .lo = 0, .hi = 9)}, 3,
		 {P(MAX, 0), BIAS, P(MAX, 0), P(MIN, 9)}, 4},
	};
	for (size_t i = 0; i < sizeof common / sizeof *common; i++) {
		check(&vta, "vta-default", &common[i], false);
		check(&edge, "edge-tiny", &common[i], false);
	}
	static const struct pass_case req[] = {
		{"bias, shr 8, clip -128 127", {EP(BIAS), EP(SHR, .imm = 8), EP(CLIP, .lo = -128, .hi = 127)}, 3,
		 {BIAS, P(REQUANT, 8)}, 2},
		{"shr 4, clip 0 127", {EP(SHR, .imm = 4), EP(CLIP, .lo = 0, .hi = 127)}, 2, {P(REQUANT, 4), P(MAX, 0)}, 2},
		{"shr 4, relu, clip -128 127", {EP(SHR, .imm = 4), EP(RELU), EP(CLIP, .lo = -128, .hi = 127)}, 3,
		 {P(REQUANT, 4), P(MAX, 0)}, 2},
		{"shr 4, clip -100 99", {EP(SHR, .imm = 4), EP(CLIP, .lo = -100, .hi = 99)}, 2, {P(REQUANT, 4), P(CLIP, 99)}, 2},
		{"shr 4, clip beyond int8", {EP(SHR, .imm = 4), EP(CLIP, .lo = -300, .hi = 299)}, 2, {P(SHR, 4), P(CLIP, 299)}, 2},
		{"shr 4 alone: the cast wraps", {EP(SHR, .imm = 4)}, 1, {P(SHR, 4)}, 1},
	};
	static const struct pass_case noreq[] = {
		{"bias, shr 8, clip -128 127", {EP(BIAS), EP(SHR, .imm = 8), EP(CLIP, .lo = -128, .hi = 127)}, 3,
		 {BIAS, P(SHR, 8), P(CLIP, 127)}, 3},
		{"shr 4, clip 0 127", {EP(SHR, .imm = 4), EP(CLIP, .lo = 0, .hi = 127)}, 2, {P(SHR, 4), P(MAX, 0), P(MIN, 127)}, 3},
	};
	for (size_t i = 0; i < sizeof req / sizeof *req; i++)
		check(&edge, "edge-tiny", &req[i], false);
	for (size_t i = 0; i < sizeof noreq / sizeof *noreq; i++)
		check(&vta, "vta-default", &noreq[i], false);
	/* a block that starts from its bias has no bias pass */
	static const struct pass_case init = {"bias, shr 8, clip -128 127",
					      {EP(BIAS), EP(SHR, .imm = 8), EP(CLIP, .lo = -128, .hi = 127)}, 3,
					      {P(REQUANT, 8)}, 1};
	check(&edge, "edge-tiny", &init, true);
	check_match_fused(&edge);
	return test_done("epilogue_passes");
}
