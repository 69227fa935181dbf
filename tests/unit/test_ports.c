/* .npy files (base/npy) and a program's inputs and outputs (isa/ports):
 * arrays round-trip through files in every dtype; headers NumPy writes in
 * each version are read; every malformed header is refused with its
 * reason; ports round-trip through .tsp files, tables and all, and do what
 * their tables say; corrupt ports are refused.  Host ops and host steps
 * too: they round-trip through .tsp version 4 (and only they make a file
 * version 4), and every corruption of them and every cut of such a file is
 * refused. */
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/npy.h"
#include "isa/program.h"
#include "test.h"

static char tmpdir[] = "/tmp/tessel-ports-XXXXXX";

/* A .npy file from a version, a dict and data bytes, as NumPy lays it out. */
static size_t make_npy(uint8_t *buf, int version, const char *dict, const void *data, size_t n)
{
	size_t lenbytes = version == 1 ? 2 : 4, pre = 8 + lenbytes, d = strlen(dict);
	size_t hlen = d + 1 + (64 - (pre + d + 1) % 64) % 64;
	memcpy(buf, "\x93NUMPY", 6);
	buf[6] = (uint8_t)version, buf[7] = 0;
	for (size_t i = 0; i < lenbytes; i++)
		buf[8 + i] = (uint8_t)(hlen >> (8 * i));
	memcpy(buf + pre, dict, d);
	memset(buf + pre + d, ' ', hlen - d - 1);
	buf[pre + hlen - 1] = '\n';
	memcpy(buf + pre + hlen, data, n);
	return pre + hlen + n;
}

static void expect_npy_error(const char *dict, const void *data, size_t n, const char *want)
{
	uint8_t buf[1024];
	size_t len = make_npy(buf, 1, dict, data, n);
	struct npy a;
	struct diags err = {0};
	ASSERT_EQ(npy_decode(buf, len, "x.npy", &a, &err), -1);
	char *got = err.n ? diag_format(&err.v[0]) : NULL;
	if (!got || !strstr(got, want))
		fprintf(stderr, "  for %s: got '%s', expected to contain '%s'\n", dict, got ? got : "(none)", want);
	ASSERT(got && strstr(got, want));
	free(got);
	diag_free(&err);
}

/* A NUL inside the descr ('<i\01') is shown as \x00, not taken for its end. */
static void expect_npy_nul_descr(void)
{
	uint8_t buf[1024];
	const uint8_t d[8] = {0};
	size_t len = make_npy(buf, 1, "{'descr': '<i#1', 'fortran_order': False, 'shape': (2,), }", d, 8);
	*(uint8_t *)memchr(buf, '#', len) = 0;
	struct npy a;
	struct diags err = {0};
	ASSERT_EQ(npy_decode(buf, len, "x.npy", &a, &err), -1);
	ASSERT(err.n && strstr(err.v[0].msg, "holds dtype '<i\\x001'"));
	diag_free(&err);
}

/* A dimension of 0 makes the array empty, whatever the others' product. */
static void expect_npy_empty_huge(void)
{
	uint8_t buf[1024];
	size_t len = make_npy(buf, 1, "{'descr': '|i1', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4, 0), }",
			      "", 0);
	struct npy a;
	struct diags err = {0};
	ASSERT_EQ(npy_decode(buf, len, "x.npy", &a, &err), 0);
	ASSERT_EQ(a.bytes, 0);
	npy_free(&a);
}

static void test_npy_reads(void)
{
	const int32_t v[6] = {1, -2, 3, -4, 5, 1 << 30};
	uint8_t buf[1024];
	for (int version = 1; version <= 3; version++) {
		size_t len = make_npy(buf, version, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", v, sizeof v);
		struct npy a;
		struct diags err = {0};
		ASSERT_EQ(npy_decode(buf, len, "x.npy", &a, &err), 0);
		ASSERT_EQ(a.dtype, DT_INT32);
		ASSERT_EQ(a.rank, 2);
		ASSERT_EQ(a.shape[0], 2);
		ASSERT_EQ(a.shape[1], 3);
		ASSERT(a.data && !memcmp(a.data, v, sizeof v));
		npy_free(&a);
		diag_free(&err);
	}
	/* keys in another order, double quotes, a 1-d shape, no trailing comma, '<i1' for '|i1' */
	size_t len = make_npy(buf, 1, "{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<i1\"}", "abc", 3);
	struct npy a;
	struct diags err = {0};
	ASSERT_EQ(npy_decode(buf, len, "x.npy", &a, &err), 0);
	ASSERT_EQ(a.dtype, DT_INT8);
	ASSERT_EQ(a.rank, 1);
	ASSERT_EQ(a.shape[0], 3);
	npy_free(&a);
	/* a scalar: shape () */
	len = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", v, 4);
	ASSERT_EQ(npy_decode(buf, len, "x.npy", &a, &err), 0);
	ASSERT_EQ(a.rank, 0);
	ASSERT_EQ(a.bytes, 4);
	npy_free(&a);
	diag_free(&err);
}

static void test_npy_refuses(void)
{
	const uint8_t d[64] = {0};
	expect_npy_error("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", d, 8, "holds dtype '>i4'");
	expect_npy_error("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", d, 16, "holds dtype '<f8'");
	expect_npy_error("{'descr': '<i4', 'fortran_order': True, 'shape': (2,), }", d, 8, "Fortran order");
	expect_npy_error("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", d, 7, "needs 8 bytes of data; the file has 7");
	expect_npy_error("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", d, 9, "needs 8 bytes of data; the file has 9");
	expect_npy_error("{'descr': '<i4', 'shape': (2,), }", d, 8, "the keys 'descr', 'fortran_order' and 'shape'");
	expect_npy_error("{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", d, 8, "one each");
	expect_npy_error("{'descr': '<i4', 'fortran_order': False, 'shape': (2, -3), }", d, 8, "a dimension");
	expect_npy_error("{'descr': '<i4', 'fortran_order': False, 'shape': (99999999999999999999,), }", d, 8, "a dimension");
	expect_npy_error("{'descr': '<i4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", d, 4, "at most 8");
	expect_npy_error("{'descr': '<i4', 'fortran_order': False, 'shape': (2,)", d, 8, "',' or '}'");
	expect_npy_error("['descr']", d, 8, "'{'");
	/* unprintable bytes of a descr are shown, not cut at */
	expect_npy_error("{'descr': '<i\x01""1', 'fortran_order': False, 'shape': (2,), }", d, 8, "holds dtype '<i\\x011'");
	/* a shape whose bytes pass 2^64 says so, not a saturated count */
	expect_npy_error("{'descr': '|i1', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }", d, 8,
			 "of int8 needs more than 2^64 bytes of data; the file has 8");
	expect_npy_nul_descr();
	expect_npy_empty_huge();
	struct npy a;
	struct diags err = {0};
	ASSERT_EQ(npy_decode((const uint8_t *)"\x93NUMPZ\x01\x00\x00\x00", 10, "x.npy", &a, &err), -1);
	ASSERT_EQ(npy_decode((const uint8_t *)"\x93NUMPY\x04\x00\x00\x00", 10, "x.npy", &a, &err), -1);
	ASSERT_EQ(npy_decode((const uint8_t *)"\x93NUMPY\x01\x00\xff\x00", 10, "x.npy", &a, &err), -1);
	ASSERT_EQ(err.n, 3);
	ASSERT(err.n == 3 && strstr(err.v[0].msg, "not a .npy file") && strstr(err.v[1].msg, "version 4") &&
	       strstr(err.v[2].msg, "truncated inside its header"));
	diag_free(&err);
}

/* Every dtype through a file and back; the header is what NumPy writes. */
static void test_npy_round_trip(void)
{
	for (int t = 0; t < DTYPE_COUNT; t++) {
		const int64_t shape[3] = {2, 1, 5};
		uint8_t data[40];
		for (int i = 0; i < 40; i++)
			data[i] = (uint8_t)(7 * i + t);
		char path[64];
		snprintf(path, sizeof path, "%s/a%d.npy", tmpdir, t);
		struct diags err = {0};
		ASSERT_EQ(npy_write(path, (enum dtype)t, 3, shape, data, &err), 0);
		struct npy a;
		ASSERT_EQ(npy_read(path, &a, &err), 0);
		ASSERT_EQ(a.dtype, t);
		ASSERT_EQ(a.rank, 3);
		ASSERT_EQ(a.bytes, 10 * dtype_bytes((enum dtype)t));
		ASSERT(a.data && !memcmp(a.data, data, (size_t)a.bytes));
		npy_free(&a);
		FILE *f = fopen(path, "rb");
		char head[128] = {0};
		ASSERT(f && fread(head, 1, sizeof head - 1, f) > 64);
		if (f)
			fclose(f);
		char want[96];
		snprintf(want, sizeof want, "{'descr': '%s', 'fortran_order': False, 'shape': (2, 1, 5), }", npy_descr((enum dtype)t));
		ASSERT(strstr(head + 10, want) != NULL);
		ASSERT_EQ((10 + (uint8_t)head[8] + 256 * (uint8_t)head[9]) % 64, 0); /* aligned as NumPy aligns */
		diag_free(&err);
	}
}

/* ---- ports ---- */

/* A program with a 64-byte input segment and a 32-byte output segment; an
 * input "x" (int8, 2x4) packed into the input segment with zero padding,
 * an output "y" (int16, 2x2) read from the output segment in reverse. */
static void make_program(struct isa_program *p, struct hw *hw)
{
	struct diags err = {0};
	ASSERT_EQ(hw_load_default(hw, &err), 0);
	ASSERT_EQ(isa_program_init(p, hw, &err), 0);
	isa_program_add_segment(p, "in", ISA_SEG_INPUT, 0, 64);
	isa_program_add_segment(p, "out", ISA_SEG_OUTPUT, 64, 32);
	const int64_t xs[2] = {2, 4}, ys[2] = {2, 2};
	struct isa_port *x = isa_program_add_port(p, "x", ISA_PORT_INPUT, DT_INT8, 2, xs, "ab");
	uint32_t *from = malloc(16 * sizeof *from);
	for (int j = 0; j < 16; j++) /* element e at byte 2e, zeros between */
		from[j] = j % 2 ? ISA_GATHER_ZERO : (uint32_t)(j / 2);
	ASSERT_EQ(isa_port_add_place(x, 8, 16, from), 0);
	struct isa_port *y = isa_program_add_port(p, "y", ISA_PORT_OUTPUT, DT_INT16, 2, ys, "ab");
	from = malloc(8 * sizeof *from);
	for (int j = 0; j < 8; j++)
		from[j] = (uint32_t)(7 - j);
	ASSERT_EQ(isa_port_add_place(y, 64, 8, from), 0);
	p->code_addr = 4096, p->uop_addr = 8192;
	struct isa_insn fin = {.kind = isa_kind_of_class(&p->layout, ISA_CLASS_FINISH)};
	isa_program_add_insn(p, &fin);
	diag_free(&err);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* An input of 2^29 bytes packed as it is into a segment of its size: its
 * table is one run in the file, and stays one run when read.  The reader
 * runs in a child whose address space is limited to 256 MiB more than it
 * has (not under AddressSanitizer, which reserves terabytes): a table
 * expanded to its 2^29 entries would need 2 GiB. */
static void test_huge_place(void)
{
	enum { N = 1 << 29 };
	struct isa_program p;
	struct hw hw;
	struct diags err = {0};
	ASSERT_EQ(hw_load_default(&hw, &err), 0);
	ASSERT_EQ(isa_program_init(&p, &hw, &err), 0);
	isa_program_add_segment(&p, "in", ISA_SEG_INPUT, 0, N);
	const int64_t shape[2] = {512, 1 << 20};
	struct isa_port *x = isa_program_add_port(&p, "x", ISA_PORT_INPUT, DT_INT8, 2, shape, "ab");
	struct isa_run *run = malloc(sizeof *run);
	*run = (struct isa_run){N, 0};
	ASSERT_EQ(isa_port_add_runs(x, 0, N, run, 1), 0);
	p.code_addr = (uint64_t)N + 4096, p.uop_addr = (uint64_t)N + 8192;
	struct isa_insn fin = {.kind = isa_kind_of_class(&p.layout, ISA_CLASS_FINISH)};
	isa_program_add_insn(&p, &fin);
	ASSERT_EQ(isa_program_check_ports(&p, "huge.tsp", &err), 0);
	size_t len;
	uint8_t *buf = isa_tsp_encode(&p, &len);
	ASSERT(buf != NULL);
	fflush(NULL);
	pid_t pid = buf ? fork() : -1;
	if (pid == 0) {
#ifndef UNDER_ASAN
		long pages = 0;
		FILE *f = fopen("/proc/self/statm", "r");
		if (!f || fscanf(f, "%ld", &pages) != 1)
			_exit(2);
		fclose(f);
		struct rlimit lim = {(rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (256u << 20), RLIM_INFINITY};
		lim.rlim_max = lim.rlim_cur;
		if (setrlimit(RLIMIT_AS, &lim))
			_exit(3);
#endif
		struct isa_program q;
		struct diags e = {0};
		int rc = isa_tsp_decode(buf, len, "huge.tsp", &q, &e);
		_exit(rc == 0 && q.nport == 1 && q.port[0].nplace == 1 && q.port[0].place[0].n == N &&
			      q.port[0].place[0].nrun == 1 ? 0 : 1);
	}
	int status = 0;
	ASSERT(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "  the reader of a 2^29-byte place: status %d\n", status);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(buf);
	isa_program_free(&p);
	diag_free(&err);
}

static void test_ports_round_trip(void)
{
	struct isa_program p, q;
	struct hw hw;
	make_program(&p, &hw);
	struct diags err = {0};
	ASSERT_EQ(isa_program_check_ports(&p, "p.tsp", &err), 0);
	size_t len;
	uint8_t *buf = isa_tsp_encode(&p, &len);
	ASSERT(buf && buf[8] == 3); /* version 3: it has ports */
	ASSERT_EQ(isa_tsp_decode(buf, len, "p.tsp", &q, &err), 0);
	ASSERT_EQ(q.nport, 2);
	for (int i = 0; i < q.nport && i < 2; i++) {
		ASSERT_STR(q.port[i].name, p.port[i].name);
		ASSERT_EQ(q.port[i].dtype, p.port[i].dtype);
		ASSERT_STR(q.port[i].layout, "ab");
		ASSERT_EQ(q.port[i].nplace, 1);
		ASSERT_EQ(q.port[i].place[0].n, p.port[i].place[0].n);
		ASSERT_EQ(q.port[i].place[0].nrun, p.port[i].place[0].nrun);
		ASSERT(!memcmp(q.port[i].place[0].run, p.port[i].place[0].run,
			       p.port[i].place[0].nrun * sizeof *p.port[i].place[0].run));
	}
	/* an input goes where its table says, zeros between */
	const uint8_t x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	ASSERT_EQ(isa_program_set_input(&q, 0, x, &err), 0);
	ASSERT_EQ(q.seg[0].data_len, 24);
	const uint8_t want[24] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0};
	ASSERT(!memcmp(q.seg[0].data, want, 24));
	/* an output comes from where its table says */
	const uint8_t dram[8] = {10, 11, 12, 13, 14, 15, 16, 17};
	uint8_t y[8];
	ASSERT_EQ(isa_port_span(&q.port[1]), 8);
	isa_port_take_output(&q.port[1], dram, y);
	for (int j = 0; j < 8; j++)
		ASSERT_EQ(y[j], 17 - j);
	/* the disassembly lists them */
	char *text = isa_disassemble(&q);
	ASSERT(strstr(text, "; input x int8 (2, 4) ab -> in\n") && strstr(text, "; output y int16 (2, 2) ab <- out\n"));
	free(text);
	free(buf);
	isa_program_free(&q);
	isa_program_free(&p);
	diag_free(&err);
}

/* A broken port, encoded and read back: refused, with what is wrong. */
static void expect_refused(void (*spoil)(struct isa_program *), const char *want)
{
	struct isa_program p, q;
	struct hw hw;
	make_program(&p, &hw);
	spoil(&p);
	size_t len;
	uint8_t *buf = isa_tsp_encode(&p, &len);
	struct diags err = {0};
	ASSERT(buf && isa_tsp_decode(buf, len, "p.tsp", &q, &err) == -1);
	char *got = err.n ? diag_format(&err.v[0]) : NULL;
	if (!got || !strstr(got, want))
		fprintf(stderr, "  got '%s', expected to contain '%s'\n", got ? got : "(none)", want);
	ASSERT(got && strstr(got, want));
	free(got);
	free(buf);
	isa_program_free(&p);
	diag_free(&err);
}

/* Port pt's only place with entry j of its table changed (and its runs). */
static void change_entry(struct isa_port *pt, uint64_t j, uint32_t v)
{
	struct isa_place pl = pt->place[0];
	uint32_t *from = malloc(pl.n * sizeof *from);
	for (uint64_t r = 0, at = 0; r < pl.nrun; r++)
		for (uint32_t q = 0; q < pl.run[r].len; q++)
			from[at++] = pl.run[r].first == ISA_GATHER_ZERO ? ISA_GATHER_ZERO : pl.run[r].first + q;
	from[j] = v;
	free(pl.run);
	pt->nplace = 0;
	ASSERT_EQ(isa_port_add_place(pt, pl.addr, pl.n, from), 0);
}

static void outside(struct isa_program *p) { p->port[0].place[0].addr = 60; }
static void past_tensor(struct isa_program *p) { change_entry(&p->port[0], 3, 8); }
static void bad_name(struct isa_program *p) { p->port[0].name[0] = '='; }
static void twice(struct isa_program *p) { p->port[1].name[0] = 'x'; }
static void nowhere(struct isa_program *p) { change_entry(&p->port[1], 2, ISA_GATHER_ZERO); }
static void wrong_size(struct isa_program *p) { p->port[1].shape[0] = 3; }
static void reads_outside(struct isa_program *p) { change_entry(&p->port[1], 0, 40); }

static void test_ports_refused(void)
{
	expect_refused(outside, "port 0 (x) writes outside every segment");
	expect_refused(past_tensor, "port 0 (x) takes a byte past the end of its tensor");
	expect_refused(bad_name, "port 0 (?) has a bad name");
	expect_refused(twice, "port 1 (x) is named twice");
	expect_refused(nowhere, "port 1 (y) has a byte that comes from nowhere");
	expect_refused(wrong_size, "port 1 (y) is an output without one place of its size");
	expect_refused(reads_outside, "port 1 (y) reads outside every segment");
}

/* ---- host ops ---- */

/* Host op `name` reading the operands (addr, bytes) ... and writing
 * out_bytes at out_addr; its op is ir_len arbitrary bytes. */
static void add_host_op(struct isa_program *p, const char *name, uint64_t ir_len, int nin, const uint64_t *in,
			uint64_t out_addr, uint64_t out_bytes)
{
	struct isa_host_op h = {.name = xstrdup(name), .ir = xmalloc(ir_len), .ir_len = ir_len, .nin = nin,
				.out_addr = out_addr, .out_bytes = out_bytes};
	for (uint64_t j = 0; j < ir_len; j++)
		h.ir[j] = (uint8_t)(31 * j + 7);
	for (int k = 0; k < nin; k++)
		h.in_addr[k] = in[2 * k], h.in_bytes[k] = in[2 * k + 1];
	ASSERT_EQ(isa_program_add_host_op(p, &h), p->nhost - 1);
}

static void add_step(struct isa_program *p, struct isa_step st) { ASSERT_EQ(isa_program_add_step(p, &st), 0); }

/* Two runs of one finish each; segments x (input), avg.host (scratch) and
 * y (output).  With host: the steps begin and end with host steps, one
 * host op named twice: host avg, run, gather avg.host -> y, run, host
 * relu, host avg.  Without: the runs and the gather only. */
static void make_host_program(struct isa_program *p, struct hw *hw, bool host)
{
	struct diags err = {0};
	ASSERT_EQ(hw_load_default(hw, &err), 0);
	ASSERT_EQ(isa_program_init(p, hw, &err), 0);
	isa_program_add_segment(p, "x", ISA_SEG_INPUT, 0, 64);
	isa_program_add_segment(p, "avg.host", ISA_SEG_SCRATCH, 64, 64);
	isa_program_add_segment(p, "y", ISA_SEG_OUTPUT, 128, 64);
	p->code_addr = 4096, p->uop_addr = 8192;
	struct isa_insn fin = {.kind = isa_kind_of_class(&p->layout, ISA_CLASS_FINISH)};
	isa_program_add_insn(p, &fin);
	isa_program_add_insn(p, &fin);
	uint32_t *from = xmalloc(8 * sizeof *from);
	for (int j = 0; j < 8; j++)
		from[j] = j < 6 ? (uint32_t)(7 - j) : ISA_GATHER_ZERO;
	if (host) {
		const uint64_t avg_in[4] = {0, 16, 16, 16}, relu_in[2] = {128, 8};
		add_host_op(p, "avg", 37, 2, avg_in, 64, 16);
		add_host_op(p, "relu", 5, 1, relu_in, 32, 8);
		add_step(p, (struct isa_step){.kind = ISA_STEP_HOST, .host = 0});
	}
	add_step(p, (struct isa_step){.kind = ISA_STEP_RUN, .first = 0, .count = 1});
	add_step(p, (struct isa_step){.kind = ISA_STEP_GATHER, .src = 64, .dst = 128, .n = 8, .from = from});
	add_step(p, (struct isa_step){.kind = ISA_STEP_RUN, .first = 1, .count = 1});
	if (host) {
		add_step(p, (struct isa_step){.kind = ISA_STEP_HOST, .host = 1});
		add_step(p, (struct isa_step){.kind = ISA_STEP_HOST, .host = 0});
	}
	ASSERT_EQ(isa_program_check_steps(p, "h.tsp", &err), 0);
	diag_print(&err, stderr);
	diag_free(&err);
}

static void expect_same_steps(const struct isa_program *a, const struct isa_program *b)
{
	ASSERT_EQ(b->nstep, a->nstep);
	for (int i = 0; i < a->nstep && i < b->nstep; i++) {
		const struct isa_step *s = &a->step[i], *t = &b->step[i];
		ASSERT(s->kind == t->kind && s->first == t->first && s->count == t->count && s->src == t->src &&
		       s->dst == t->dst && s->n == t->n && s->host == t->host);
		if (s->kind == ISA_STEP_GATHER)
			ASSERT(!memcmp(s->from, t->from, s->n * sizeof *s->from));
	}
}

static void expect_same_host_ops(const struct isa_program *a, const struct isa_program *b)
{
	ASSERT_EQ(b->nhost, a->nhost);
	for (int i = 0; i < a->nhost && i < b->nhost; i++) {
		const struct isa_host_op *g = &a->host[i], *h = &b->host[i];
		ASSERT_STR(h->name, g->name);
		ASSERT_EQ(h->ir_len, g->ir_len);
		ASSERT(h->ir_len == g->ir_len && !memcmp(h->ir, g->ir, g->ir_len));
		ASSERT_EQ(h->nin, g->nin);
		for (int k = 0; k < g->nin && k < h->nin; k++)
			ASSERT(h->in_addr[k] == g->in_addr[k] && h->in_bytes[k] == g->in_bytes[k]);
		ASSERT(h->out_addr == g->out_addr && h->out_bytes == g->out_bytes);
	}
}

static void test_host_round_trip(void)
{
	struct isa_program p, q;
	struct hw hw;
	make_host_program(&p, &hw, true);
	struct diags err = {0};
	size_t len, len2;
	uint8_t *buf = isa_tsp_encode(&p, &len);
	ASSERT(buf && buf[8] == 4); /* version 4: it has host ops */
	ASSERT_EQ(isa_tsp_decode(buf, len, "h.tsp", &q, &err), 0);
	diag_print(&err, stderr);
	expect_same_steps(&p, &q);
	expect_same_host_ops(&p, &q);
	uint8_t *again = isa_tsp_encode(&q, &len2);
	ASSERT(again && len2 == len && !memcmp(again, buf, len));
	char *text = isa_disassemble(&q);
	ASSERT(text && strstr(text, "; step 0: host op 0 'avg': 2 operands (x 0x0, x 0x10) -> avg.host\n") &&
	       strstr(text, "; step 4: host op 1 'relu': 1 operand (y 0x80) -> x\n") &&
	       strstr(text, "; step 5: host op 0 'avg': 2 operands") &&
	       strstr(text, "; host op 0 'avg': 37 bytes of op; reads 16 bytes at 0x0, 16 bytes at 0x10; "
			    "writes 16 bytes at 0x40\n") &&
	       strstr(text, "; host op 1 'relu': 5 bytes of op; reads 8 bytes at 0x80; writes 8 bytes at 0x20\n"));
	free(text);
	free(again);
	free(buf);
	isa_program_free(&q);
	isa_program_free(&p);

	/* without host ops, the same program keeps version 2 */
	make_host_program(&p, &hw, false);
	buf = isa_tsp_encode(&p, &len);
	ASSERT(buf && buf[8] == 2);
	ASSERT_EQ(isa_tsp_decode(buf, len, "h.tsp", &q, &err), 0);
	ASSERT_EQ(q.nhost, 0);
	free(buf);
	isa_program_free(&q);
	isa_program_free(&p);
	diag_free(&err);
}

/* Seals a forged file: its length in the header and its checksum. */
static void reseal(uint8_t *b, size_t len)
{
	for (int k = 0; k < 8; k++)
		b[16 + k] = (uint8_t)((uint64_t)len >> (8 * k));
	uint64_t h = XXH64(b, len - 8, 0);
	for (int k = 0; k < 8; k++)
		b[len - 8 + k] = (uint8_t)(h >> (8 * k));
}

static void expect_error(const struct diags *err, const char *want)
{
	char *got = err->n ? diag_format(&err->v[0]) : NULL;
	if (!got || !strstr(got, want))
		fprintf(stderr, "  got '%s', expected to contain '%s'\n", got ? got : "(none)", want);
	ASSERT(got && strstr(got, want));
	free(got);
}

/* A spoiled host program, checked in memory and then encoded and read
 * back: refused both ways, with what is wrong (in_file: what reading
 * says, when it refuses before the checks). */
static void expect_host_refused(void (*spoil)(struct isa_program *), const char *want, const char *in_file)
{
	struct isa_program p, q;
	struct hw hw;
	make_host_program(&p, &hw, true);
	spoil(&p);
	struct diags err = {0};
	ASSERT_EQ(isa_program_check_steps(&p, "h.tsp", &err), -1);
	expect_error(&err, want);
	diag_free(&err);
	size_t len;
	uint8_t *buf = isa_tsp_encode(&p, &len);
	ASSERT(buf && isa_tsp_decode(buf, len, "h.tsp", &q, &err) == -1);
	expect_error(&err, in_file ? in_file : want);
	free(buf);
	isa_program_free(&p);
	diag_free(&err);
}

static void index_out_of_range(struct isa_program *p) { p->step[4].host = 2; }
static void reads_outside_host(struct isa_program *p) { p->host[0].in_addr[1] = 56; }
static void empty_operand(struct isa_program *p) { p->host[1].in_bytes[0] = 0; }
static void writes_outside_host(struct isa_program *p) { p->host[1].out_addr = 190; }
static void no_op(struct isa_program *p) { p->host[0].ir_len = 0; }
static void bad_host_name(struct isa_program *p) { p->host[1].name[1] = '\n'; }
static void unnamed(struct isa_program *p) { p->step[4].host = 0; }
static void too_many_operands(struct isa_program *p) { p->host[0].nin = ISA_HOST_MAX_IN + 1; }
static void no_run(struct isa_program *p) { p->step[3] = (struct isa_step){.kind = ISA_STEP_HOST}; }

static void op_too_long(struct isa_program *p)
{
	struct isa_host_op *h = &p->host[0];
	h->ir = xrealloc(h->ir, ISA_HOST_MAX_IR + 1);
	memset(h->ir, 1, ISA_HOST_MAX_IR + 1);
	h->ir_len = ISA_HOST_MAX_IR + 1;
}

static void test_host_refused(void)
{
	expect_host_refused(index_out_of_range, "h.tsp: error: corrupt: step 4 names host op 2; the program has 2", NULL);
	expect_host_refused(reads_outside_host,
			    "h.tsp: error: corrupt: host op 0 'avg' reads outside every segment (operand 1: 16 bytes at 0x38)",
			    NULL);
	expect_host_refused(empty_operand, "corrupt: host op 1 'relu' reads outside every segment (operand 0: 0 bytes", NULL);
	expect_host_refused(writes_outside_host, "corrupt: host op 1 'relu' writes outside every segment (its result: 8 "
			    "bytes at 0xbe)", NULL);
	expect_host_refused(no_op, "corrupt: host op 0 'avg' has 0 bytes of op; expected 1 to 1048576", NULL);
	expect_host_refused(op_too_long, "corrupt: host op 0 'avg' has 1048577 bytes of op; expected 1 to 1048576",
			    "corrupt: host op 0 'avg' has 1048577 bytes of op at offset");
	expect_host_refused(bad_host_name, "corrupt: host op 1 '?' has a bad name; expected 1 to 63 printable characters",
			    NULL);
	expect_host_refused(unnamed, "corrupt: host op 1 'relu' is named by no step", NULL);
	expect_host_refused(too_many_operands, "corrupt: host op 0 'avg' has 11 operands; expected 0 to 10",
			    "corrupt: host op 0 'avg' has 11 operands at offset");
	expect_host_refused(no_run, "corrupt: step 5 ends the program before its last instruction", NULL);
}

/* Forged files: a host step in a version 3 file, a version 4 file without
 * host ops, and every cut of a version 4 file, both as it is (truncated)
 * and resealed (so that the reader runs out of bytes). */
static void test_host_forged(void)
{
	struct isa_program p, q;
	struct hw hw;
	struct diags err = {0};
	size_t len;
	make_host_program(&p, &hw, true);
	uint8_t *buf = isa_tsp_encode(&p, &len);
	buf[8] = 3;
	reseal(buf, len);
	ASSERT_EQ(isa_tsp_decode(buf, len, "h.tsp", &q, &err), -1);
	expect_error(&err, "h.tsp: error: corrupt: step 0 is a host step in a version 3 file; host steps came with version 4");
	diag_free(&err);
	buf[8] = 4;
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *f = xmalloc(cut + 8);
		memcpy(f, buf, cut);
		ASSERT_EQ(isa_tsp_decode(f, cut, "cut.tsp", &q, &err), -1);
		ASSERT(err.n >= 1 && strstr(err.v[0].msg, cut < 8 ? "not a tessel program" : "truncated"));
		diag_free(&err);
		if (cut >= 64 && cut < len - 8) { /* at len - 8 it is the whole file again */
			reseal(f, cut + 8);
			ASSERT_EQ(isa_tsp_decode(f, cut + 8, "cut.tsp", &q, &err), -1);
			ASSERT(err.n >= 1 && strstr(err.v[0].msg, "corrupt: "));
			diag_free(&err);
		}
		free(f);
	}
	free(buf);
	isa_program_free(&p);

	make_program(&p, &hw); /* ports, no host ops: version 3 */
	buf = isa_tsp_encode(&p, &len);
	buf = xrealloc(buf, len + 4);
	memset(buf + len - 8, 0, 12); /* a count of 0 host ops, then the checksum */
	buf[8] = 4;
	reseal(buf, len + 4);
	ASSERT_EQ(isa_tsp_decode(buf, len + 4, "h.tsp", &q, &err), -1);
	expect_error(&err, "corrupt: 0 host ops at offset");
	free(buf);
	isa_program_free(&p);
	diag_free(&err);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	test_npy_reads();
	test_npy_refuses();
	test_npy_round_trip();
	test_ports_round_trip();
	test_ports_refused();
	test_huge_place();
	test_host_round_trip();
	test_host_refused();
	test_host_forged();
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd))
		return 1;
	return test_done("test_ports");
}
