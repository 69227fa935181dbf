/* An operand's buffers (tz_mapping's rings): 1 or 2 each, and in the GEMM
 * form the inner block loop's operand (B in order mn, A in nm) as many as a
 * pass of the outer loop has blocks of it, 3 to TZ_MAX_RING, which then all
 * stay: loaded in the first pass only.  On vta-default a 256x256x256 int8
 * matmul in blocks of 32 rows, all 256 columns and 64 of the reduction has
 * 4 blocks of B in a pass: with 4 buffers B is read once and A once, so the
 * op's data reads are its operands' bytes, which the simulator counts
 * apart; with 2, each of the other 7 passes reads again the two blocks
 * that the one before it (in serpentine order, reduction blocks forward
 * then backward) did not leave in the buffers.  Every other count of
 * buffers is refused, and so is any count other than 1 or 2 in the direct
 * form (a tuning record may hold anything: before, a direct mapping with 0
 * buffers passed the check and lowered into loads past the scratchpad). */
#include <string.h>

#include "opcase.h"

static void geometry_of(const struct hw *hw, struct opcase *r, int op, bool direct, struct tz_geometry *geo)
{
	struct tz_match mt;
	tz_match_op(hw, &r->g, op, &mt);
	ASSERT(mt.nbindings > 0);
	for (int b = 0; b < mt.nbindings; b++) {
		tz_geometry_init(geo, hw, &r->g, op, &mt.binding[b]);
		if (!direct || geo->dir.ok)
			break;
	}
	tz_match_free(&mt);
}

/* The op's DRAM data reads (the program's own excluded) with mapping m,
 * its output verified. */
static uint64_t data_read(const struct hw *hw, struct opcase *r, int op, const struct tz_mapping *m)
{
	uint64_t read = 0;
	ASSERT(opcase_verify_reads(hw, r, op, m, "matmul", &read));
	return read;
}

static void gemm_buffers(const struct hw *hw)
{
	struct opcase r = {0};
	int a = ir_add_tensor(&r.g, "a", IR_TENSOR_INPUT, DT_INT8, 2, (int64_t[]){256, 256}, NULL, &r.err);
	int b = ir_add_tensor(&r.g, "b", IR_TENSOR_INPUT, DT_INT8, 2, (int64_t[]){256, 256}, NULL, &r.err);
	int op = ir_matmul(&r.g, "mm", a, b, "c", DT_INT32, &r.err);
	ASSERT(op >= 0);
	fill(&r);
	struct tz_geometry geo;
	geometry_of(hw, &r, op, false, &geo);
	char why[256];
	struct tz_mapping m = {geo.b, 32, 16, 4, false, 2, 4, 2, false, false, false, 0, 0, 0};
	ASSERT_EQ(tz_pass_ring(&geo, &m), 4); /* one block of 16 column tiles by 4 of 4 reduction tiles */
	ASSERT_EQ(tz_mapping_check(&geo, &m, why), 0);
	uint64_t kept = data_read(hw, &r, op, &m);
	m.ring_b = 2;
	uint64_t twice = data_read(hw, &r, op, &m);
	printf("256x256x256 on vta-default, B's 4 blocks of a pass in 4 buffers: %llu bytes read; in 2: %llu\n",
	       (unsigned long long)kept, (unsigned long long)twice);
	ASSERT_EQ(kept, 2 * 256 * 256);            /* A and B once */
	ASSERT_EQ(twice, 2 * 256 * 256 + 7 * 2 * 256 * 64); /* and two 256x64 blocks of B per later pass */
	const int refused[][3] = {{2, 3, 2}, {2, 5, 2}, {4, 4, 2}, {2, 4, 3}, {0, 2, 2}, {2, 17, 2}};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		m.ring_a = refused[i][0], m.ring_b = refused[i][1], m.ring_acc = refused[i][2];
		ASSERT(tz_mapping_check(&geo, &m, why) != 0);
		ASSERT(strstr(why, "buffers") != NULL);
	}
	/* order nm: A is the inner operand, 8 blocks of 32 rows by 4 of the reduction, not 4 */
	m.n_outer = true, m.ring_b = 2, m.ring_acc = 2;
	ASSERT_EQ(tz_pass_ring(&geo, &m), 8 * 4);
	m.ring_a = 4;
	ASSERT(tz_mapping_check(&geo, &m, why) != 0);
	run_free(&r);
}

static void direct_buffers(const struct hw *hw)
{
	struct opcase r = {0};
	struct ir_conv2d_attrs at = {{1, 1}, {1, 1, 1, 1}, {1, 1}, 1, false};
	int x = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){1, 14, 14, 32}, "NHWC", &r.err);
	int w = ir_add_tensor(&r.g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){32, 3, 3, 32}, "OHWI", &r.err);
	int op = ir_conv2d(&r.g, "conv", x, w, &at, "y", DT_INT32, &r.err);
	ASSERT(op >= 0);
	struct tz_geometry geo;
	geometry_of(hw, &r, op, true, &geo);
	ASSERT(geo.dir.ok);
	char why[256];
	struct tz_mapping m;
	ASSERT_EQ(tz_default_direct(&geo, &m, why), 0);
	const int refused[][3] = {{0, 2, 2}, {3, 2, 2}, {2, 0, 2}, {2, 4, 2}, {2, 2, 0}, {2, 2, 3}};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct tz_mapping d = m;
		d.ring_a = refused[i][0], d.ring_b = refused[i][1], d.ring_acc = refused[i][2];
		ASSERT(tz_mapping_check(&geo, &d, why) != 0);
		ASSERT(strstr(why, "buffers") != NULL);
	}
	run_free(&r);
}

int main(void)
{
	struct hw hw;
	test_load_example("vta-default", &hw);
	gemm_buffers(&hw);
	direct_buffers(&hw);
	opcase_close_device();
	return test_done("pass_buffers");
}
