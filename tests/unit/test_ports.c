/* .npy files (base/npy) and a program's inputs and outputs (isa/ports):
 * arrays round-trip through files in every dtype; headers NumPy writes in
 * each version are read; every malformed header is refused with its
 * reason; ports round-trip through .tsp files, tables and all, and do what
 * their tables say; corrupt ports are refused. */
#include <unistd.h>

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
		ASSERT(!memcmp(q.port[i].place[0].from, p.port[i].place[0].from, p.port[i].place[0].n * 4));
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
	memcpy(from, pl.from, pl.n * sizeof *from);
	from[j] = v;
	free(pl.from);
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

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	test_npy_reads();
	test_npy_refuses();
	test_npy_round_trip();
	test_ports_round_trip();
	test_ports_refused();
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd))
		return 1;
	return test_done("test_ports");
}
