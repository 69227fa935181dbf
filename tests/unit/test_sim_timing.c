/* Cycle counts worked out by hand from docs/microarch.md for small programs
 * on vta-default (16-byte instructions; DRAM: 8 B/cycle, latency 32, bursts
 * of 64 B, so fetch reads chunks of 4 instructions), and the errors a run
 * can stop with. */
#include "device/device.h"
#include "test.h"
#include "sim/simulator.h"

struct result {
	int rc;
	struct dev_stats st;
	char first_error[600];
};

static struct result run_on(const struct hw *hw, const char *src)
{
	struct result r = {0};
	struct diags err = {0};
	struct isa_program p;
	if (isa_assemble(src, "t.s", hw, &p, &err)) {
		diag_print(&err, stderr);
		r.rc = -2;
		diag_free(&err);
		return r;
	}
	struct device *d = dev_sim.open(&p.hw, &err);
	r.rc = dev_run_program(&dev_sim, d, &p, NULL, &r.st, &err);
	if (err.n) {
		char *s = diag_format(&err.v[0]);
		snprintf(r.first_error, sizeof r.first_error, "%s", s);
		free(s);
	}
	dev_sim.close(d);
	isa_program_free(&p);
	diag_free(&err);
	return r;
}

static struct result run(const char *src)
{
	struct hw hw;
	test_load_default(&hw);
	return run_on(&hw, src);
}

/* One instruction: requested at 0 (2 beats) arrives 0+2+32 = 34, dispatched
 * at 34, starts 35, done 36. */
static void test_finish_only(void)
{
	struct result r = run("finish\n");
	ASSERT_EQ(r.rc, 0);
	ASSERT_EQ(r.st.cycles, 36);
	ASSERT_EQ(r.st.insns_total, 1);
	ASSERT_EQ(r.st.dram_read, 16);
}

/* Two instructions (4 beats) arrive at 36.  The load, dispatched at 36,
 * starts at 37: two rows of 3 x 16 B = 48 B, 6 beats each, from 37 and 43,
 * the last complete at 43+6+32 = 81 (its port needs only 96/16 = 6
 * cycles).  finish waits for its token, starts at 81, done 82. */
static void test_load_timing(void)
{
	struct result r = run(".segment x input size=96\n"
			      "load buf=inp idx=0 addr=@x ysize=2 xsize=3 xstride=3 push_next\n"
			      "finish pop_prev\n");
	ASSERT_EQ(r.rc, 0);
	ASSERT_EQ(r.st.cycles, 82);
	ASSERT_EQ(r.st.busy[DEV_LOAD], 44);
	ASSERT_EQ(r.st.dram_read, 32 + 96);
	/* compute held finish from 38 (dispatched at 37) to 81 */
	ASSERT_EQ(r.st.stall[DEV_COMPUTE], 81 - 38);
}

/* Three instructions arrive at 0+6+32 = 38.  gemm: 2 x 3 x 4 = 24 beats,
 * D = 23 + 4 = 27, from 39 to 66; alu: 5 beats of one pass (16 values, 16
 * lanes), D = 4 + 4 = 8, to 74; finish to 75. */
static void test_compute_timing(void)
{
	struct result r = run("gemm uop_begin=0 uop_end=2 iter_out=3 iter_in=4\n"
			      "alu op=add uop_begin=0 uop_end=1 iter_out=5 iter_in=1 use_imm=1 imm=1\n"
			      "finish\n");
	ASSERT_EQ(r.rc, 0);
	ASSERT_EQ(r.st.cycles, 75);
	ASSERT_EQ(r.st.busy[DEV_COMPUTE], 27 + 8 + 1);
	ASSERT_EQ(r.st.macs, 24 * 256);
}

/* Seven instructions: chunk 1 (4, 8 beats) arrives at 40 and is dispatched
 * at 40..43; chunk 2 is requested at 44 (3, 6 beats) and arrives at 82,
 * dispatched 82..84.  Each sync takes one cycle from the cycle after its
 * dispatch; finish, dispatched at 84, runs 85..86. */
static void test_fetch_chunks(void)
{
	struct result r = run("sync queue=compute\nsync queue=compute\nsync queue=compute\nsync queue=compute\n"
			      "sync queue=compute\nsync queue=compute\nfinish\n");
	ASSERT_EQ(r.rc, 0);
	ASSERT_EQ(r.st.cycles, 86);
	ASSERT_EQ(r.st.dram_read, 7 * 16);
}

/* N iterations of "load an input tile, run a GEMM on it".  Serialized, each
 * load waits for the previous GEMM; double-buffered, load i+1 fills the other
 * half while GEMM i runs.  With a 2 KiB burst the whole program is one fetch
 * chunk: 2N+2 instructions of 16 B, 20 beats for N = 4, arriving at 52; the
 * micro-op load (1 beat) starts at 53, the first tile load at 54.  A tile
 * load of R rows of 16 B takes L = 2R + 32; a GEMM of G beats G - 1 + 4.
 * Serialized: 54 + N (L + G') + 1.  Double-buffered with G' >= L: the loads
 * after the first hide behind the GEMMs: 54 + L + N G' + 1, so it is faster
 * by exactly (N - 1) L. */
static void test_double_buffering(void)
{
	enum { N = 4, R = 32, GB = 100 };
	struct hw hw;
	test_load_default(&hw);
	hw.dram.burst = 2048;
	const uint64_t L = 2 * R + 32, G = GB - 1 + 4;
	char serial[4096], dbuf[4096];
	int s = 0, b = 0;
	const char *head = ".segment x input size=1024\n.uop dst=0 src=0 wgt=0\n"
			   "load buf=uop idx=0 addr=@uops ysize=1 xsize=1 xstride=1\n";
	s += snprintf(serial + s, sizeof serial - (size_t)s, "%s", head);
	b += snprintf(dbuf + b, sizeof dbuf - (size_t)b, "%s", head);
	for (int i = 0; i < N; i++) {
		s += snprintf(serial + s, sizeof serial - (size_t)s,
			      "load buf=inp idx=0 addr=@x ysize=%d xsize=1 xstride=1 push_next%s\n"
			      "gemm uop_begin=0 uop_end=1 iter_out=%d iter_in=1 pop_prev push_prev\n",
			      R, i ? " pop_next" : "", GB);
		b += snprintf(dbuf + b, sizeof dbuf - (size_t)b,
			      "load buf=inp idx=%d addr=@x ysize=%d xsize=1 xstride=1 push_next%s\n"
			      "gemm uop_begin=0 uop_end=1 iter_out=%d iter_in=1 src_out=0 pop_prev push_prev\n",
			      (i % 2) * R, R, i >= 2 ? " pop_next" : "", GB);
	}
	snprintf(serial + s, sizeof serial - (size_t)s, "finish\n");
	snprintf(dbuf + b, sizeof dbuf - (size_t)b, "finish\n");
	struct result rs = run_on(&hw, serial), rd = run_on(&hw, dbuf);
	ASSERT_EQ(rs.rc, 0);
	ASSERT_EQ(rd.rc, 0);
	ASSERT_EQ(rs.st.cycles, 54 + N * (L + G) + 1);
	ASSERT_EQ(rd.st.cycles, 54 + L + N * G + 1);
	ASSERT_EQ(rs.st.cycles - rd.st.cycles, (N - 1) * L);
}

static void expect_error(const char *src, const char *want)
{
	struct result r = run(src);
	ASSERT_EQ(r.rc, -1);
	ASSERT_STR(r.first_error, want);
}

static void test_errors(void)
{
	/* gemm is dispatched at 36 and finish at 37; nothing can happen at 38.
	 * Below, three syncs arrive at 38 and are dispatched at 38, 39, 40. */
	expect_error("gemm uop_begin=0 uop_end=1 iter_out=1 iter_in=1 pop_prev\nfinish\n",
		     "tessel: error: deadlock at cycle 38; compute waits at instruction 0 (gemm) for a token on "
		     "load->compute, which is empty");
	expect_error("sync queue=store pop_prev\nsync queue=load pop_next\nfinish pop_prev\n",
		     "tessel: error: deadlock at cycle 41; load waits at instruction 1 (sync) for a token on "
		     "compute->load, which is empty; compute waits at instruction 2 (finish) for a token on "
		     "load->compute, which is empty; store waits at instruction 0 (sync) for a token on "
		     "compute->store, which is empty");
	expect_error("sync queue=compute\n",
		     "tessel: error: the program ended at cycle 36 without a finish instruction (all 1 instructions ran)");
	expect_error("load buf=inp idx=2040 ysize=1 xsize=16 xstride=16\nfinish\n",
		     "tessel: error: instruction 0 (load): writes elements 2040 to 2055 of 'inp', which has 2048");
	expect_error("load buf=inp idx=0 addr=67108863 ysize=2 xsize=1 xstride=1\nfinish\n",
		     "tessel: error: instruction 0 (load): source rows reach byte 0x40000010 of DRAM, which has "
		     "1073741824 bytes");
	expect_error(".uop dst=2047 src=0 wgt=0\nload buf=uop idx=0 addr=@uops ysize=1 xsize=1 xstride=1\n"
		     "alu op=add uop_begin=0 uop_end=1 iter_out=2 iter_in=1 dst_out=1 use_imm=1 imm=1\nfinish\n",
		     "tessel: error: instruction 1 (alu): reaches elements 2048 to 2048 of 'acc', which has 2048");
	expect_error(".uop dst=0 src=0 wgt=0\nload buf=uop idx=0 addr=@uops ysize=1 xsize=1 xstride=1\n"
		     "gemm uop_begin=0 uop_end=1 iter_out=3 iter_in=1 wgt_out=512\nfinish\n",
		     "tessel: error: instruction 1 (gemm): reaches elements 1024 to 1024 of 'wgt', which has 1024");
}

/* Instructions are decoded from DRAM when fetched: damage one in DRAM and
 * the run names it. */
static void test_illegal_in_dram(void)
{
	struct hw hw;
	struct diags err = {0};
	struct isa_program p;
	test_load_default(&hw);
	ASSERT_EQ(isa_assemble("sync queue=compute\nsync queue=compute\nfinish\n", "t.s", &hw, &p, &err), 0);
	struct device *d = dev_sim.open(&p.hw, &err);
	ASSERT_EQ(dev_load_program(&dev_sim, d, &p, &err), 0);
	uint8_t bad[16] = {7}; /* opcode 7: vta-default has 0 to 5 */
	ASSERT_EQ(dev_sim.write(d, p.code_addr + 16, bad, 16, &err), 0);
	struct dev_stats st;
	ASSERT_EQ(dev_sim.run(d, p.code_addr, (uint32_t)p.ninsn, NULL, &st, &err), -1);
	ASSERT_EQ(err.n, 1);
	if (err.n)
		ASSERT_STR(err.v[0].msg, "instruction 1 at DRAM 0x10: illegal opcode 7 (this hardware has opcodes 0 to 5)");
	uint8_t out[4];
	diag_free(&err);
	ASSERT_EQ(dev_sim.read(d, (1ull << 30) - 2, out, 4, &err), -1);
	ASSERT_EQ(err.n, 1);
	dev_sim.close(d);
	isa_program_free(&p);
	diag_free(&err);
}

/* DRAM outside the simulator: an array behind callbacks that count. */
struct outside {
	uint8_t *bytes;
	uint64_t size, reads, writes, last_cycle;
	int fail_at_cycle; /* answer reads with an error from this cycle on, or -1 */
};

static int outside_read(void *ctx, uint64_t addr, void *dst, uint64_t n, uint64_t cycle)
{
	struct outside *o = ctx;
	if (o->fail_at_cycle >= 0 && cycle >= (uint64_t)o->fail_at_cycle)
		return -1;
	memcpy(dst, o->bytes + addr, n);
	o->reads++;
	o->last_cycle = cycle;
	return 0;
}

static int outside_write(void *ctx, uint64_t addr, const void *src, uint64_t n, uint64_t cycle)
{
	struct outside *o = ctx;
	memcpy(o->bytes + addr, src, n);
	o->writes++;
	o->last_cycle = cycle;
	return 0;
}

/* The same program inside and outside gives the same DRAM and cycles; a
 * different latency moves the count by the number of latency waits on the
 * critical path (here: the one fetch of a one-instruction program). */
static void test_external_memory(void)
{
	struct hw hw;
	struct diags err = {0};
	struct isa_program p;
	test_load_default(&hw);
	hw.dram.capacity = 1 << 20; /* the size of the array below */
	ASSERT_EQ(isa_assemble(".segment b weight size=64\n.i32 7 -9 1000 0 0 0 0 0 0 0 0 0 0 0 0 -1\n"
			       ".segment y output size=16\n.uop dst=0 src=0 wgt=0\n"
			       "load buf=uop idx=0 addr=@uops ysize=1 xsize=1 xstride=1\n"
			       "load buf=acc idx=0 addr=@b ysize=1 xsize=1 xstride=1\n"
			       "alu op=add use_imm=1 imm=1 uop_begin=0 uop_end=1 iter_out=1 iter_in=1 push_next\n"
			       "store buf=out idx=0 addr=@y ysize=1 xsize=1 xstride=1 pop_prev push_prev\n"
			       "finish pop_next\n",
			       "t.s", &hw, &p, &err),
		  0);
	struct outside o = {.size = 1 << 20, .fail_at_cycle = -1};
	o.bytes = xcalloc(o.size, 1);
	struct dev_memory mem = {&o, outside_read, outside_write};
	struct dev_stats in_st, out_st;
	struct device *din = dev_sim.open(&p.hw, &err), *dout = sim_open_external(&p.hw, &mem, -1, &err);
	ASSERT_EQ(dev_run_program(&dev_sim, din, &p, NULL, &in_st, &err), 0);
	ASSERT_EQ(dev_run_program(&dev_sim, dout, &p, NULL, &out_st, &err), 0);
	ASSERT_EQ(in_st.cycles, out_st.cycles);
	uint8_t a[16], b[16];
	const struct isa_segment *y = isa_program_segment(&p, "y");
	ASSERT_EQ(dev_sim.read(din, y->addr, a, 16, &err), 0);
	memcpy(b, o.bytes + y->addr, 16);
	ASSERT(memcmp(a, b, 16) == 0);
	ASSERT_EQ(b[0], 8);
	ASSERT_EQ(b[1], (uint8_t)-8);
	ASSERT_EQ(b[2], (uint8_t)1001); /* low byte of 1001 */
	ASSERT(o.writes >= 1 && o.reads >= 3);
	dev_sim.close(dout);

	/* finish alone: 2 + latency + 2 cycles */
	struct isa_program q;
	ASSERT_EQ(isa_assemble("finish\n", "f.s", &hw, &q, &err), 0);
	dout = sim_open_external(&q.hw, &mem, 40, &err);
	ASSERT_EQ(dev_run_program(&dev_sim, dout, &q, NULL, &out_st, &err), 0);
	ASSERT_EQ(out_st.cycles, 2 + 40 + 2);
	/* an error answered by the memory stops the run and says where */
	o.fail_at_cycle = 1;
	ASSERT_EQ(dev_sim.run(dout, q.code_addr, 1, NULL, &out_st, &err), -1);
	ASSERT_EQ(err.n, 1);
	if (err.n)
		ASSERT_STR(err.v[0].msg, "the memory answered the fetch of instructions 0 to 0 (16 bytes at 0x0) with an error");
	dev_sim.close(dout);
	dev_sim.close(din);
	isa_program_free(&p);
	isa_program_free(&q);
	free(o.bytes);
	diag_free(&err);
}

int main(void)
{
	test_external_memory();
	test_finish_only();
	test_load_timing();
	test_compute_timing();
	test_fetch_chunks();
	test_double_buffering();
	test_errors();
	test_illegal_in_dram();
	return test_done("test_sim_timing");
}
