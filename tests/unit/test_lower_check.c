/* Structural checks of compiled programs (compiler/check.c) and the
 * mapping checks of lowering: a program the compiler got wrong is an error
 * naming the op and the instruction, never a simulator crash or hang.
 * Each case compiles a correct program, damages one thing the way a
 * compiler bug would, and requires the checker to say what and where. */
#include <inttypes.h>

#include "compiler/compile.h"
#include "compiler/lower.h"
#include "test.h"

struct fixture {
	struct hw hw;
	struct ir_graph g;
	uint8_t *data[4];
	struct cc_program prog;
	const char **names;
};

/* What build_with changes of vta-default and of the op's default mapping:
 * the token and instruction queue depths (0: the description's) and the
 * buffers of A, B and the output block (0: the mapping's). */
struct variant {
	uint32_t token, queue;
	int ring_a, ring_b, ring_acc;
};

/* A 20x40 x 40x24 matmul with a bias and requantization, compiled with its
 * default mapping in blocks of one tile. */
static void build_with(struct fixture *f, const struct variant *v)
{
	memset(f, 0, sizeof *f);
	struct diags err = {0};
	test_load_default(&f->hw);
	if (v->token)
		f->hw.queues.token = v->token;
	if (v->queue)
		f->hw.queues.load = f->hw.queues.compute = f->hw.queues.store = v->queue;
	int a = ir_add_tensor(&f->g, "a", IR_TENSOR_INPUT, DT_INT8, 2, (int64_t[]){20, 40}, NULL, &err);
	int b = ir_add_tensor(&f->g, "b", IR_TENSOR_WEIGHT, DT_INT8, 2, (int64_t[]){40, 24}, NULL, &err);
	int op = ir_matmul(&f->g, "mm", a, b, "y", DT_INT8, &err);
	int bias = ir_add_tensor(&f->g, "bias", IR_TENSOR_WEIGHT, DT_INT32, 1, (int64_t[]){24}, NULL, &err);
	struct ir_epilogue eps[] = {{.kind = IR_EP_BIAS, .tensor = bias, .dim = 1}, {.kind = IR_EP_SHR, .imm = 4},
				    {.kind = IR_EP_CLIP, .lo = -128, .hi = 127}};
	for (size_t i = 0; i < sizeof eps / sizeof *eps; i++)
		ASSERT_EQ(ir_add_epilogue(&f->g, op, &eps[i], &err), 0);
	for (int t = 0; t < f->g.ntensors; t++)
		f->data[t] = xcalloc((size_t)ir_tensor_elems(&f->g.tensor[t]), 4);
	struct cc_plan plan;
	ASSERT_EQ(cc_plan_ops(&f->hw, &f->g, &plan, &err), 0);
	ASSERT(plan.kind == CC_GEMM);
	/* two blocks along m and n so there are tokens between modules */
	plan.map.bm = 1, plan.map.bn = 1, plan.map.bk = 1;
	plan.map.ring_a = v->ring_a ? v->ring_a : plan.map.ring_a;
	plan.map.ring_b = v->ring_b ? v->ring_b : plan.map.ring_b;
	plan.map.ring_acc = v->ring_acc ? v->ring_acc : plan.map.ring_acc;
	struct cc_request rq = {.g = &f->g, .plans = &plan, .ops = &op, .nops = 1, .data = (const uint8_t *const *)f->data};
	ASSERT_EQ(cc_build(&f->hw, &rq, &f->prog, &err), 0);
	diag_print(&err, stderr);
	diag_free(&err);
	f->names = xcalloc((size_t)f->prog.p.ninsn, sizeof *f->names);
	for (int i = 0; i < f->prog.p.ninsn; i++)
		f->names[i] = f->prog.op_of_insn[i] >= 0 ? "mm" : NULL;
}

static void build(struct fixture *f)
{
	build_with(f, &(struct variant){0});
}

static void release(struct fixture *f)
{
	free(f->names);
	cc_program_free(&f->prog);
	for (int t = 0; t < 4; t++)
		free(f->data[t]);
	ir_graph_free(&f->g);
}

/* The first instruction of class cls (and, for loads, into role). */
static int find(const struct fixture *f, enum isa_class cls, int role)
{
	for (int i = 0; i < f->prog.p.ninsn; i++) {
		const struct isa_insn *in = &f->prog.p.insn[i];
		if (f->prog.p.layout.kind[in->kind].cls != cls)
			continue;
		if (role < 0 || f->hw.level[in->f[ISA_F_BUF]].role == (enum hw_role)role)
			return i;
	}
	return -1;
}

/* The checker refuses the damaged program with an error naming op 'mm',
 * the instruction, and containing `what`. */
static void expect_error(struct fixture *f, int insn, const char *what)
{
	struct diags err = {0};
	ASSERT_EQ(lw_check_program(&f->prog.p, f->names, &err), -1);
	ASSERT(err.n >= 1);
	char want[64];
	snprintf(want, sizeof want, "op 'mm': instruction %d (", insn);
	bool found = false; /* a deadlock reports every stuck module */
	for (int e = 0; e < err.n; e++)
		found |= strstr(err.v[e].msg, want) && strstr(err.v[e].msg, what);
	ASSERT(found);
	if (!found)
		for (int e = 0; e < err.n; e++)
			fprintf(stderr, "got: %s\nwanted: %s ... %s\n", err.v[e].msg, want, what);
	diag_free(&err);
}

static void test_sound_program(void)
{
	struct fixture f;
	build(&f);
	struct diags err = {0};
	ASSERT_EQ(lw_check_program(&f.prog.p, f.names, &err), 0);
	diag_print(&err, stderr);
	diag_free(&err);
	release(&f);
}

static void test_field_out_of_range(void)
{
	struct fixture f;
	build(&f);
	int i = find(&f, ISA_CLASS_GEMM, -1);
	f.prog.p.insn[i].f[ISA_F_ITER_OUT] = (int64_t)f.hw.isa.max_loop_extent + 1;
	expect_error(&f, i, "iter_out=");
	release(&f);
}

static void test_load_past_buffer(void)
{
	struct fixture f;
	build(&f);
	int i = find(&f, ISA_CLASS_LOAD, HW_ROLE_INPUT);
	f.prog.p.insn[i].f[ISA_F_IDX] = f.hw.level[f.hw.role_level[HW_ROLE_INPUT]].depth - 1;
	f.prog.p.insn[i].f[ISA_F_XSIZE] = 4;
	expect_error(&f, i, "past the end of 'inp'");
	release(&f);
}

static void test_store_past_dram(void)
{
	struct fixture f;
	build(&f);
	int i = find(&f, ISA_CLASS_STORE, -1);
	f.prog.p.insn[i].f[ISA_F_ADDR] = (int64_t)(isa_program_dram_end(&f.prog.p) / f.hw.level[f.hw.role_level[HW_ROLE_OUTPUT]].elem_bytes);
	expect_error(&f, i, "rows reach element");
	release(&f);
}

static void test_loop_past_accumulator(void)
{
	struct fixture f;
	build(&f);
	int i = find(&f, ISA_CLASS_ALU, -1);
	f.prog.p.insn[i].f[ISA_F_DST_OUT] = f.hw.level[f.hw.role_level[HW_ROLE_ACCUMULATOR]].depth / 2;
	f.prog.p.insn[i].f[ISA_F_ITER_OUT] = 3;
	expect_error(&f, i, "reaches past a buffer");
	release(&f);
}

static void test_missing_token(void)
{
	struct fixture f;
	build(&f);
	/* the first instruction that waits for a token from the load module
	 * pops one that never comes once the loads stop pushing */
	for (int i = 0; i < f.prog.p.ninsn; i++)
		f.prog.p.insn[i].f[ISA_F_PUSH_NEXT] = isa_queue_of(&f.prog.p.layout, &f.prog.p.insn[i]) == ISA_Q_LOAD ? 0 : f.prog.p.insn[i].f[ISA_F_PUSH_NEXT];
	int first = -1;
	for (int i = 0; i < f.prog.p.ninsn && first < 0; i++)
		if (isa_queue_of(&f.prog.p.layout, &f.prog.p.insn[i]) == ISA_Q_COMPUTE && f.prog.p.insn[i].f[ISA_F_POP_PREV])
			first = i;
	ASSERT(first >= 0);
	expect_error(&f, first, "deadlock: the compute module waits for the load->compute token queue to hold a token");
	release(&f);
}

/* Every token queue depth a description may give, down to 1, with one or
 * two buffers per operand: the compiler's tokens leave room (a producer's
 * k-th push needs its consumer's (k - depth)-th pop), or cc_build's check
 * finds the deadlock.  Depth 1 once deadlocked double-buffered blocks: a
 * load waited for room towards the compute, which waited for room towards
 * the load that would have popped its token. */
static void test_shallow_token_queues(void)
{
	for (uint32_t token = 1; token <= 3; token++)
		for (uint32_t queue = 0; queue <= 1; queue++)
			for (int rings = 0; rings < 8; rings++) {
				struct variant v = {token, queue, 1 + (rings & 1), 1 + (rings >> 1 & 1), 1 + (rings >> 2 & 1)};
				struct fixture f;
				build_with(&f, &v); /* asserts cc_build, whose last pass is the check */
				ASSERT(f.prog.p.ninsn > 0);
				release(&f);
			}
}

static void test_unloaded_micro_op(void)
{
	struct fixture f;
	build(&f);
	int i = find(&f, ISA_CLASS_GEMM, -1);
	f.prog.p.insn[i].f[ISA_F_UOP_BEGIN] = f.hw.level[f.hw.role_level[HW_ROLE_UOP]].depth - 2;
	f.prog.p.insn[i].f[ISA_F_UOP_END] = f.prog.p.insn[i].f[ISA_F_UOP_BEGIN] + 1;
	expect_error(&f, i, "was never loaded");
	release(&f);
}

/* Lowering refuses a mapping that does not fit, naming the op. */
static void test_mapping_too_big(void)
{
	struct fixture f;
	build(&f);
	struct cc_plan plan;
	struct diags err = {0};
	ASSERT_EQ(cc_plan_ops(&f.hw, &f.g, &plan, &err), 0);
	struct tz_geometry geo;
	tz_geometry_init(&geo, &f.hw, &f.g, 0, &plan.map.b);
	struct tz_mapping m;
	char why[256];
	ASSERT_EQ(tz_default_mapping(&geo, &m, why), 0); /* the GEMM form */
	m.bm = geo.count[TZ_G_M] + 1;
	plan.map = m;
	int op = 0;
	struct cc_request rq = {.g = &f.g, .plans = &plan, .ops = &op, .nops = 1, .data = (const uint8_t *const *)f.data};
	struct cc_program prog;
	ASSERT_EQ(cc_build(&f.hw, &rq, &prog, &err), -1);
	ASSERT(err.n == 1 && strstr(err.v[0].msg, "op 'mm': the mapping cannot be lowered: bm=21 is outside 1 to 20"));
	diag_free(&err);
	cc_program_free(&prog);
	/* and the direct form: a block must be a box of the output's points */
	if (geo.dir.ok && !tz_default_direct(&geo, &m, why)) {
		m.bm = geo.dir.cols + 1;
		plan.map = m;
		memset(&err, 0, sizeof err);
		ASSERT_EQ(cc_build(&f.hw, &rq, &prog, &err), -1);
		ASSERT(err.n == 1 && strstr(err.v[0].msg, "op 'mm': the mapping cannot be lowered: bm=") &&
		       strstr(err.v[0].msg, "is neither a part"));
		diag_free(&err);
		cc_program_free(&prog);
	}
	release(&f);
}

/* The direct form of an input read every other column with padded rows
 * (a strided, dilated depthwise window): the columns would be a transfer
 * per row, which cannot write a row of padding, so the form is refused,
 * saying why (regression: the check ran before the columns' step was known,
 * and the lowering gave negative DRAM addresses or wrong values). */
static void test_direct_strided_columns_padded_rows(void)
{
	struct hw hw;
	struct ir_graph g = {0};
	struct diags err = {0};
	test_load_default(&hw);
	int x = ir_add_tensor(&g, "x", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){2, 5, 6, 8}, "NHWC", &err);
	int w = ir_add_tensor(&g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){8, 3, 2, 1}, "OHWI", &err);
	struct ir_conv2d_attrs a = {{1, 2}, {2, 0, 2, 0}, {2, 2}, 8, false};
	int op = ir_conv2d(&g, "dw", x, w, &a, "y", DT_INT8, &err);
	ASSERT(op >= 0);
	struct tz_match m;
	ASSERT_EQ(tz_match_op(&hw, &g, op, &m), 0);
	int diagonal = 0;
	for (int i = 0; i < m.nbindings; i++) {
		struct tz_geometry geo;
		tz_geometry_init(&geo, &hw, &g, op, &m.binding[i]);
		ASSERT(!geo.dir.ok);
		diagonal += tz_diagonal(&m.binding[i]) >= 0;
	}
	ASSERT_EQ(diagonal, 0); /* no diagonal binding: it has no other form */
	struct tz_geometry geo;
	struct tz_binding b = {.intrinsic = 0, .input_a = 0, .input_b = 1, .diagonal = 4}; /* g */
	memset(b.dim_of, -1, sizeof b.dim_of);
	char why[256];
	ASSERT_EQ(tz_binding_derive(&hw, &g, op, &b, why), 0);
	tz_geometry_init(&geo, &hw, &g, op, &b);
	ASSERT(!geo.dir.ok && strstr(geo.dir.why, "is read every 2 columns with padded rows"));
	tz_match_free(&m);
	ir_graph_free(&g);
	diag_free(&err);
}

int main(void)
{
	test_sound_program();
	test_field_out_of_range();
	test_load_past_buffer();
	test_store_past_dram();
	test_loop_past_accumulator();
	test_missing_token();
	test_shallow_token_queues();
	test_unloaded_micro_op();
	test_mapping_too_big();
	test_direct_strided_columns_padded_rows();
	return test_done("lower_check");
}
