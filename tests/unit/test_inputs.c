/* Bounded inputs: every file a user names is size-checked before it is read
 * and special files are refused without blocking (base/file); a workload's
 * random data is made where it is needed, not when the workload loads, and
 * all its tensors together are bounded (ir/workload); .tsp segment names
 * and empty assembly sources are refused (isa).  Expected sizes, messages
 * and places are worked out by hand from the inputs written here. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "base/file.h"
#include "hwdesc/hw.h"
#include "ir/workload.h"
#include "isa/program.h"
#include "test.h"

static char dir[] = "/tmp/tessel-inputs-XXXXXX";

static char *path_of(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void write_file(const char *name, const void *bytes, size_t n)
{
	char *p = path_of(name);
	FILE *f = fopen(p, "wb");
	ASSERT(f != NULL);
	if (f) {
		ASSERT_EQ(fwrite(bytes, 1, n, f), n);
		fclose(f);
	}
	free(p);
}

/* The first error as printed, without the directory. */
static char *first(struct diags *err)
{
	if (!err->n)
		return xstrdup("");
	char *s = diag_format(&err->v[0]);
	char *out = xstrdup(strncmp(s, dir, strlen(dir)) ? s : s + strlen(dir) + 1);
	free(s);
	diag_free(err);
	return out;
}

static void test_reader(void)
{
	/* 3 MiB + 5 bytes: more than one chunk; every byte as written. */
	size_t n = (3u << 20) + 5;
	uint8_t *bytes = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		bytes[i] = (uint8_t)(i * 131 + (i >> 9));
	write_file("big.bin", bytes, n);
	struct diags err = {0};
	size_t len = 0;
	char *p = path_of("big.bin");
	uint8_t *got = file_read_bytes(p, FILE_DATA, &len, &err);
	ASSERT(got != NULL);
	ASSERT_EQ(len, n);
	ASSERT(got && !memcmp(got, bytes, n) && got[n] == 0);
	free(got);
	/* the same file is too big for a hardware description (1 MiB) */
	ASSERT(file_read_text(p, FILE_HWDESC, &err) == NULL);
	char *e = first(&err);
	ASSERT_STR(e, "big.bin: error: the hardware description is 3145733 bytes; at most 1048576 "
		      "(set TESSEL_MAX_INPUT_BYTES to raise the limit)");
	free(e);
	free(p);
	free(bytes);

	/* the documented default limits */
	ASSERT_EQ(file_default_limit(FILE_HWDESC), 1048576);
	ASSERT_EQ(file_default_limit(FILE_WORKLOAD), 16777216);
	ASSERT_EQ(file_default_limit(FILE_ASM), 67108864);
	ASSERT_EQ(file_default_limit(FILE_TSP), 4294967296ull);
	ASSERT_EQ(file_default_limit(FILE_DATA), 1074790400);

	/* the environment's limit: 100 bytes pass, 101 do not */
	char text[102];
	memset(text, 'a', sizeof text);
	write_file("100.txt", text, 100);
	write_file("101.txt", text, 101);
	setenv("TESSEL_MAX_INPUT_BYTES", "100", 1);
	ASSERT_EQ(file_limit(FILE_TSP), 100);
	p = path_of("100.txt");
	char *t = file_read_text(p, FILE_WORKLOAD, &err);
	ASSERT(t && strlen(t) == 100 && err.n == 0);
	free(t);
	free(p);
	p = path_of("101.txt");
	ASSERT(file_read_text(p, FILE_WORKLOAD, &err) == NULL);
	e = first(&err);
	ASSERT_STR(e, "101.txt: error: the workload is 101 bytes; at most 100 (set TESSEL_MAX_INPUT_BYTES to raise the limit)");
	free(e);
	free(p);
	setenv("TESSEL_MAX_INPUT_BYTES", "lots", 1); /* not a number: the default */
	ASSERT_EQ(file_limit(FILE_HWDESC), 1048576);
	unsetenv("TESSEL_MAX_INPUT_BYTES");

	/* special files: refused at once (a FIFO without a writer would block a
	 * plain open or read forever) */
	p = path_of("fifo");
	ASSERT_EQ(mkfifo(p, 0600), 0);
	ASSERT(file_read_text(p, FILE_WORKLOAD, &err) == NULL);
	e = first(&err);
	ASSERT_STR(e, "fifo: error: the workload is a FIFO; expected a regular file");
	free(e);
	unlink(p);
	free(p);
	ASSERT(file_read_bytes(dir, FILE_TSP, &len, &err) == NULL);
	e = first(&err);
	ASSERT(strstr(e, "error: the program is a directory; expected a regular file") != NULL);
	free(e);
	ASSERT(file_read_bytes("/dev/zero", FILE_DATA, &len, &err) == NULL);
	e = first(&err);
	ASSERT_STR(e, "/dev/zero: error: the data file is a character device; expected a regular file");
	free(e);
	ASSERT(file_read_text("/nonexistent/x.yaml", FILE_HWDESC, &err) == NULL);
	e = first(&err);
	ASSERT_STR(e, "/nonexistent/x.yaml: error: cannot open the hardware description: No such file or directory");
	free(e);
	/* text with a NUL byte */
	write_file("nul.txt", "ab\0c", 4);
	p = path_of("nul.txt");
	ASSERT(file_read_text(p, FILE_ASM, &err) == NULL);
	e = first(&err);
	ASSERT_STR(e, "nul.txt: error: not a text file: NUL byte at offset 2");
	free(e);
	free(p);
}

static long max_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void test_lazy_data(void)
{
	/* 1 GiB of random int8: loading it must neither allocate nor generate it */
	const char *text = "name: big\n"
			   "seed: 7\n"
			   "tensors:\n"
			   "  - {name: x, shape: [1024, 1024, 1024], dtype: int8}\n"
			   "  - {name: s, shape: [4], dtype: int16, range: [-2, 2]}\n"
			   "  - {name: z, shape: [3], dtype: int32, data: zeros}\n"
			   "ops:\n"
			   "  - {name: y, op: copy, a: s}\n";
	long before = max_rss_kib();
	struct wl_workload w;
	struct diags err = {0};
	ASSERT_EQ(wl_load_string(text, "big.yaml", &w, &err), 0);
	diag_print(&err, stderr);
	diag_free(&err);
	if (w.g.ntensors != 4)
		return;
	/* peak memory grew by far less than the tensor (64 MiB of slack) */
	ASSERT(max_rss_kib() - before < 64 * 1024);
	ASSERT(w.data[0] == NULL && w.init[0].kind == WL_INIT_RANDOM);
	ASSERT(wl_tensor_declared(&w, 0) && wl_tensor_declared(&w, 1) && wl_tensor_declared(&w, 2));
	ASSERT(!wl_tensor_declared(&w, 3));
	/* s: made on demand, the same each time, and the documented stream */
	uint8_t a[8], b[8];
	ASSERT(wl_tensor_fill(&w, 1, a));
	ASSERT(wl_tensor_fill(&w, 1, b));
	ASSERT(!memcmp(a, b, 8));
	uint8_t want[8];
	wl_random_fill(7, "s", DT_INT16, -2, 2, 4, want);
	ASSERT(!memcmp(a, want, 8));
	uint8_t z[12];
	memset(z, 0xaa, sizeof z);
	ASSERT(wl_tensor_fill(&w, 2, z));
	ASSERT(z[0] == 0 && z[5] == 0 && z[11] == 0);
	uint8_t untouched = 0x5a;
	ASSERT(!wl_tensor_fill(&w, 3, &untouched) && untouched == 0x5a);
	wl_free(&w);

	/* all tensors together: four of 1 GiB are 4 GiB, a fifth byte more is
	 * too many; the error is at the fifth declaration's '{' (line 8, col 5) */
	const char *five = "name: many\n"
			   "tensors:\n"
			   "  - {name: a, shape: [1073741824], dtype: int8}\n"
			   "  - {name: b, shape: [1073741824], dtype: int8}\n"
			   "  - {name: c, shape: [1073741824], dtype: int8}\n"
			   "  - {name: d, shape: [1073741824], dtype: int8}\n"
			   "  - {name: e, shape: [1], dtype: int8}\n"
			   "ops:\n"
			   "  - {name: y, op: copy, a: e}\n";
	ASSERT_EQ(wl_load_string(five, "many.yaml", &w, &err), -1);
	char *e = first(&err);
	ASSERT_STR(e, "many.yaml:7:5: error: tensor 'e' (1 bytes) brings the workload's tensors to more than "
		      "4294967296 bytes (4 GiB), the most they may hold together");
	free(e);
	/* an op's output counts too: the copy of 'd' is the fifth GiB (line 8) */
	const char *out = "name: many\n"
			  "tensors:\n"
			  "  - {name: a, shape: [1073741824], dtype: int8}\n"
			  "  - {name: b, shape: [1073741824], dtype: int8}\n"
			  "  - {name: c, shape: [1073741824], dtype: int8}\n"
			  "  - {name: d, shape: [1073741824], dtype: int8}\n"
			  "ops:\n"
			  "  - {name: y, op: copy, a: d}\n";
	ASSERT_EQ(wl_load_string(out, "many.yaml", &w, &err), -1);
	e = first(&err);
	ASSERT(strstr(e, "many.yaml:8:") == e && strstr(e, "tensor 'y' (1073741824 bytes) brings"));
	free(e);
}

static void test_data_files(void)
{
	char *fifo = path_of("data.fifo");
	ASSERT_EQ(mkfifo(fifo, 0600), 0);
	write_file("five.bin", "\1\2\3\4\5", 5);
	char *name = path_of("w.yaml");
	struct wl_workload w;
	struct diags err = {0};
	/* column 52: where the path starts after "{raw: " */
	ASSERT_EQ(wl_load_string("name: d\n"
				 "tensors:\n"
				 "  - {name: a, shape: [4], dtype: int8, data: {raw: data.fifo}}\n"
				 "ops:\n"
				 "  - {name: y, op: copy, a: a}\n",
				 name, &w, &err),
		  -1);
	char *e = first(&err);
	ASSERT_STR(e, "w.yaml:3:52: error: data file 'data.fifo' for tensor 'a' is a FIFO; expected a regular file");
	free(e);
	setenv("TESSEL_MAX_INPUT_BYTES", "4", 1);
	ASSERT_EQ(wl_load_string("name: d\n"
				 "tensors:\n"
				 "  - {name: a, shape: [5], dtype: int8, data: {raw: five.bin}}\n"
				 "ops:\n"
				 "  - {name: y, op: copy, a: a}\n",
				 name, &w, &err),
		  -1);
	unsetenv("TESSEL_MAX_INPUT_BYTES");
	e = first(&err);
	ASSERT_STR(e, "w.yaml:3:52: error: data file 'five.bin' for tensor 'a' is 5 bytes; at most 4 "
		      "(set TESSEL_MAX_INPUT_BYTES to raise the limit)");
	free(e);
	unlink(fifo);
	free(fifo);
	free(name);
}

static void test_isa_inputs(void)
{
	struct hw hw;
	test_load_default(&hw);
	struct diags err = {0};
	/* an empty source, or one with only comments and a segment: no finish */
	struct isa_program p;
	ASSERT_EQ(isa_assemble("", "e.s", &hw, &p, &err), -1);
	char *e = first(&err);
	ASSERT_STR(e, "e.s: error: no instructions; a program needs at least a 'finish' instruction, which ends it");
	free(e);
	ASSERT_EQ(isa_assemble("; nothing\n.segment x input size=16\n", "e.s", &hw, &p, &err), -1);
	e = first(&err);
	ASSERT(strstr(e, "e.s: error: no instructions") == e);
	free(e);
	ASSERT_EQ(isa_assemble("finish\n", "f.s", &hw, &p, &err), 0);
	ASSERT_EQ(p.ninsn, 1);
	isa_program_free(&p);

	/* a .tsp carries its description: one whose input scratchpad is 60 GiB
	 * is refused when the program is read, before a device allocates it */
	ASSERT_EQ(isa_assemble("finish\n", "f.s", &hw, &p, &err), 0);
	int inp = p.hw.role_level[HW_ROLE_INPUT];
	p.hw.level[inp].capacity = (uint64_t)60 << 30;
	p.hw.level[inp].depth = (uint32_t)(p.hw.level[inp].capacity / p.hw.level[inp].elem_bytes);
	size_t blen;
	uint8_t *big = isa_tsp_encode(&p, &blen);
	isa_program_free(&p);
	struct isa_program q0;
	ASSERT_EQ(isa_tsp_decode(big, blen, "big.tsp", &q0, &err), -1);
	free(big);
	e = first(&err);
	ASSERT(strstr(e, "big.tsp (embedded hardware description):") == e &&
	       strstr(e, "error: capacity of scratchpad 'inp' (64424509440 bytes) brings the on-chip memory to more "
			 "than 1073741824 bytes (1 GiB)"));
	free(e);

	/* segment names in a .tsp: one with a newline is refused, a good one
	 * reads back */
	static const char *const names[] = {"in.x-1", "model/conv2d/Conv2D:0", "a\nfinish", "", "-x", "a b", "x=1"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		ASSERT_EQ(isa_assemble("finish\n", "f.s", &hw, &p, &err), 0);
		isa_program_add_segment(&p, names[i], ISA_SEG_INPUT, 1 << 20, 16);
		size_t len;
		uint8_t *buf = isa_tsp_encode(&p, &len);
		/* the program writes a name's other characters as '_' (a name
		 * given to it is always fine): a damaged file puts them back */
		size_t n = strlen(names[i]);
		for (size_t k = 0; n && k + n <= len; k++)
			if (!memcmp(buf + k, p.seg[0].name, n)) {
				memcpy(buf + k, names[i], n);
				uint64_t h = XXH64(buf, len - 8, 0); /* re-sealed: the name is what is checked */
				for (int b = 0; b < 8; b++)
					buf[len - 8 + b] = (uint8_t)(h >> (8 * b));
				break;
			}
		isa_program_free(&p);
		struct isa_program q;
		int rc = isa_tsp_decode(buf, len, "s.tsp", &q, &err);
		free(buf);
		if (i <= 1) {
			ASSERT_EQ(rc, 0);
			if (!rc) {
				ASSERT_STR(q.seg[0].name, names[i]);
				isa_program_free(&q);
			}
			diag_free(&err);
			continue;
		}
		ASSERT_EQ(rc, -1);
		e = first(&err);
		ASSERT_STR(e, "s.tsp: error: corrupt: segment 0 has a bad name; expected a letter, digit or '_', then "
			      "letters, digits, '_', '.', '-', '/', ':'");
		free(e);
	}
}

int main(void)
{
	ASSERT(mkdtemp(dir) != NULL);
	test_reader();
	test_lazy_data();
	test_data_files();
	test_isa_inputs();
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd)) {
	}
	free(cmd);
	return test_done("test_inputs");
}
