/* hwdesc: loading the example descriptions, derived figures, the canonical
 * form and fingerprint, error collection, the error corpus, and robustness
 * against damaged input (meaningful under -DTESSEL_SANITIZE=ON). */
#include "hwdesc/hw.h"
#include "cli/xalloc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static int failures;

#define ASSERT(x)                                                                         \
	do {                                                                              \
		if (!(x)) {                                                               \
			fprintf(stderr, "%s:%d: ASSERT failed: %s\n", __FILE__, __LINE__, #x); \
			failures++;                                                       \
		}                                                                         \
	} while (0)

static const char *const examples[] = {"vta-default", "dot-i8", "mma-fp16", "edge-tiny", "server-wide"};
enum { NEXAMPLES = 5 };

static const char *source_dir(void)
{
	const char *d = getenv("TESSEL_SOURCE_DIR");
	return d ? d : ".";
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = xmalloc((size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n)
		die("cannot read %s", path);
	s[n] = 0;
	fclose(f);
	return s;
}

static char *example_path(const char *name)
{
	return xasprintf("%s/examples/hw/%s.yaml", source_dir(), name);
}

static void load_example(const char *name, struct hw *hw)
{
	struct diags err = {0};
	char *path = example_path(name);
	int rc = hw_load_file(path, hw, &err);
	if (rc != 0)
		diag_print(&err, stderr);
	ASSERT(rc == 0);
	ASSERT(err.n == 0);
	ASSERT(!strcmp(hw->source, path));
	diag_free(&err);
	free(path);
}

/* Loads TEXT, which must fail; returns the errors (caller frees). */
static struct diags load_bad(const char *text)
{
	struct diags err = {0};
	struct hw hw;
	ASSERT(hw_load_string(text, "bad.yaml", &hw, &err) == -1);
	ASSERT(err.n >= 1);
	ASSERT(hw.nlevels == 0 && hw.nintrinsics == 0); /* nothing half-filled */
	return err;
}

/* TEXT with the first occurrence of FROM replaced by TO. */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	if (!p)
		die("'%s' not found", from);
	return xasprintf("%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
}

static const struct hw_level *level(const struct hw *hw, const char *name)
{
	int i = hw_level_lookup(hw, name);
	ASSERT(i >= 0);
	return &hw->level[i < 0 ? 0 : i];
}

static void test_vta_default(void)
{
	struct hw hw;
	load_example("vta-default", &hw);
	ASSERT(!strcmp(hw.name, "vta-default"));
	ASSERT(hw.clock_mhz == 100);
	ASSERT(hw.dram.capacity == 1ull << 30);
	ASSERT(hw.dram.port_bits == 64 && hw.dram.bandwidth == 8 && hw.dram.latency == 32);
	ASSERT(hw.dram.burst == 64 && hw.dram.address_bits == 32);
	ASSERT(hw.nlevels == 5);
	/* 32 KiB of 1x16 int8 = 16-byte elements */
	ASSERT(level(&hw, "inp")->elem_bytes == 16);
	ASSERT(level(&hw, "inp")->depth == 2048);
	/* 256 KiB of 16x16 int8 = 256-byte elements */
	ASSERT(level(&hw, "wgt")->depth == 1024);
	/* 1x16 int32 = 64 bytes, 128 KiB of them */
	ASSERT(level(&hw, "acc")->elem_bytes == 64);
	ASSERT(level(&hw, "acc")->depth == 2048);
	/* 32 KiB of 32-bit micro-ops */
	ASSERT(level(&hw, "uop")->elem_bytes == 4);
	ASSERT(level(&hw, "uop")->depth == 8192);
	ASSERT(level(&hw, "uop")->elem_rank == 0);
	ASSERT(level(&hw, "inp")->elem_rank == 2 && level(&hw, "inp")->elem_shape[1] == 16);
	ASSERT(level(&hw, "inp")->loc.line == 16 && level(&hw, "inp")->loc.col == 7);
	for (int i = 0; i < hw.nlevels; i++)
		ASSERT(hw.level[i].parent == -1);
	ASSERT(hw.role_level[HW_ROLE_SHARED] == -1);
	ASSERT(hw.role_level[HW_ROLE_INPUT] == 0 && hw.role_level[HW_ROLE_WEIGHT] == 1);
	ASSERT(hw.role_level[HW_ROLE_ACCUMULATOR] == 2 && hw.role_level[HW_ROLE_OUTPUT] == 3);
	ASSERT(hw.role_level[HW_ROLE_UOP] == 4);

	ASSERT(hw.nintrinsics == 1);
	const struct hw_intrinsic *g = &hw.intrinsic[0];
	ASSERT(!strcmp(g->name, "gemm"));
	ASSERT(!strcmp(g->expr, "acc[i, j] += inp[i, k] * wgt[j, k]"));
	ASSERT(g->macs == 256);
	ASSERT(g->ndims == 3 && !strcmp(g->dim_name[2], "k") && g->dim_size[2] == 16);
	ASSERT(!g->dim_reduction[0] && !g->dim_reduction[1] && g->dim_reduction[2]);
	ASSERT(!strcmp(g->out.name, "acc") && g->out.level == 2 && g->out.dtype == DT_INT32);
	ASSERT(!strcmp(g->a.name, "inp") && g->a.level == 0 && g->a.dtype == DT_INT8);
	ASSERT(!strcmp(g->b.name, "wgt") && g->b.level == 1);
	ASSERT(g->out.rank == 2 && g->out.dim[0] == 0 && g->out.dim[1] == 1);
	ASSERT(g->b.rank == 2 && g->b.dim[0] == 1 && g->b.dim[1] == 2);
	ASSERT(g->out.tile_elems == 16 && g->out.elems_per_tile == 1);
	ASSERT(g->a.tile_elems == 16 && g->a.elems_per_tile == 1);
	ASSERT(g->b.tile_elems == 256 && g->b.elems_per_tile == 1);
	ASSERT(g->out.loc.line == 61 && g->out.loc.col == 12);
	ASSERT(g->latency == 4 && g->initiation_interval == 1);
	ASSERT(g->loc.line == 57 && g->loc.col == 5);
	ASSERT(hw_intrinsic_peak_macs(g) == 256.0);
	ASSERT(hw_peak_macs_per_cycle(&hw) == 256.0);

	ASSERT(hw.alu.lanes == 16 && hw.alu.imm_bits == 16 && hw.alu.latency == 4);
	ASSERT(hw.alu.ops == (1u << HW_ALU_REQUANT) - 1); /* every op but requant, as VTA */
	ASSERT(hw.alu.loc.line == 68 && hw.alu.loc.col == 3);
	ASSERT(hw.queues.load == 32 && hw.queues.token == 16);
	ASSERT(hw.dma.max_rows == 65535 && hw.dma.max_pad == 15);
	ASSERT(hw.dma.loc.line == 81 && hw.dma.loc.col == 3);
	ASSERT(hw.isa.instruction_bits == 128 && hw.isa.max_loop_extent == 16383);
	ASSERT(hw.isa.instruction_bits_loc.line == 87 && hw.isa.instruction_bits_loc.col == 21);
}

static void test_other_examples(void)
{
	struct hw hw;
	load_example("dot-i8", &hw);
	const struct hw_intrinsic *d = &hw.intrinsic[0];
	ASSERT(d->a.level == hw_level_lookup(&hw, "inp"));
	ASSERT(d->b.level == hw_level_lookup(&hw, "wgt"));
	ASSERT(d->macs == 64);
	ASSERT(d->ndims == 2 && !d->dim_reduction[0] && d->dim_reduction[1]);
	ASSERT(level(&hw, "wgt")->elem_bytes == 64 && level(&hw, "wgt")->depth == 1024);
	ASSERT(level(&hw, "inp")->depth == 4096);
	ASSERT(d->a.tile_elems == 4 && d->b.tile_elems == 64 && d->out.tile_elems == 16);

	load_example("mma-fp16", &hw);
	const struct hw_intrinsic *m = &hw.intrinsic[0];
	ASSERT(!strcmp(m->dim_name[2], "k") && m->dim_reduction[2]);
	ASSERT(!m->dim_reduction[0] && !m->dim_reduction[1]);
	ASSERT(m->a.level == hw_level_lookup(&hw, "abuf") && m->b.level == hw_level_lookup(&hw, "bbuf"));
	ASSERT(m->out.dtype == DT_FP32 && m->a.dtype == DT_FP16);
	ASSERT(level(&hw, "acc")->elem_bytes == 64 && level(&hw, "out")->elem_bytes == 32);
	ASSERT(m->macs == 64);

	load_example("edge-tiny", &hw);
	ASSERT(level(&hw, "inp")->elem_bytes == 8 && level(&hw, "inp")->depth == 512);
	ASSERT(level(&hw, "uop")->depth == 512);
	ASSERT(hw.intrinsic[0].macs == 64);
	ASSERT(hw.clock_mhz == 50);

	load_example("server-wide", &hw);
	ASSERT(hw.nlevels == 6);
	ASSERT(!strcmp(hw.level[0].name, "gbuf") && hw.level[0].role == HW_ROLE_SHARED);
	ASSERT(hw.level[0].parent == -1 && hw.level[0].depth == 131072);
	for (int i = 1; i < 6; i++)
		ASSERT(hw.level[i].parent == 0);
	ASSERT(hw.role_level[HW_ROLE_INPUT] == 1 && hw.role_level[HW_ROLE_UOP] == 5);
	ASSERT(hw.role_level[HW_ROLE_SHARED] == -1);
	ASSERT(hw.intrinsic[0].macs == 4096);
	ASSERT(hw.intrinsic[0].b.elems_per_tile == 1);
}

/* Inputs written weight first still give a = input, b = weight. */
static void test_operand_order(void)
{
	char *path = example_path("vta-default");
	char *text = slurp(path);
	char *swapped = replace(text, "acc[i, j] += inp[i, k] * wgt[j, k]", "acc[i, j] += wgt[j, k] * inp[i, k]");
	struct hw hw;
	struct diags err = {0};
	ASSERT(hw_load_string(swapped, "swapped.yaml", &hw, &err) == 0);
	ASSERT(err.n == 0);
	ASSERT(!strcmp(hw.intrinsic[0].a.name, "inp") && !strcmp(hw.intrinsic[0].b.name, "wgt"));
	ASSERT(!strcmp(hw.source, "swapped.yaml"));
	diag_free(&err);
	free(swapped);
	free(text);
	free(path);
}

static void test_canonical(void)
{
	uint64_t fp[NEXAMPLES];
	for (int i = 0; i < NEXAMPLES; i++) {
		struct hw h1, h2;
		struct diags err = {0};
		load_example(examples[i], &h1);
		char *c1 = hw_canonical(&h1);
		int rc = hw_load_string(c1, "canonical.yaml", &h2, &err);
		if (rc)
			diag_print(&err, stderr);
		ASSERT(rc == 0);
		char *c2 = hw_canonical(&h2);
		ASSERT(!strcmp(c1, c2));
		fp[i] = hw_fingerprint(&h1);
		ASSERT(fp[i] == hw_fingerprint(&h2));
		/* the fingerprint leaves out the energy section, the last key */
		const char *energy = strstr(c1, "\nenergy:\n");
		ASSERT(fp[i] == XXH64(c1, energy ? (size_t)(energy - c1) + 1 : strlen(c1), 0));
		ASSERT(fp[i] == hw_fingerprint(&h1)); /* stable */
		ASSERT(!strstr(c1, "KiB") && !strstr(c1, "#"));
		diag_free(&err);
		free(c1);
		free(c2);
	}
	for (int i = 0; i < NEXAMPLES; i++)
		for (int j = i + 1; j < NEXAMPLES; j++)
			ASSERT(fp[i] != fp[j]);

	/* Sizes in bytes, every field in order. */
	struct hw hw;
	load_example("vta-default", &hw);
	char *c = hw_canonical(&hw);
	ASSERT(!strncmp(c, "name: vta-default\ndescription: ", 31));
	ASSERT(strstr(c, "\nclock_mhz: 100\nmemory:\n  dram:\n    capacity: 1073741824\n"));
	ASSERT(strstr(c, "  - name: inp\n    role: input\n    capacity: 32768\n    elem_shape: [1, 16]\n"));
	ASSERT(strstr(c, "    elem_bits: 32\n"));
	ASSERT(!strstr(c, "shared:"));
	ASSERT(strstr(c, "  expr: \"acc[i, j] += inp[i, k] * wgt[j, k]\"\n  dims: {i: 1, j: 16, k: 16}\n"));
	free(c);

	/* The order of an intrinsic's dims is the file's, not the hardware's. */
	struct diags derr = {0};
	char *vta = example_path("vta-default");
	char *vta_text = slurp(vta);
	char *at = strstr(vta_text, "dims: {i: 1, j: 16, k: 16}");
	ASSERT(at != NULL);
	if (at) {
		memcpy(at, "dims: {k: 16, j: 16, i: 1}", 26);
		struct hw swapped;
		ASSERT(hw_load_string(vta_text, "swapped.yaml", &swapped, &derr) == 0);
		ASSERT(hw_fingerprint(&swapped) == hw_fingerprint(&hw));
	}
	free(vta_text);
	free(vta);
	diag_free(&derr);

	/* One number changes the fingerprint; the source file does not. */
	uint64_t base = hw_fingerprint(&hw);
	struct hw h = hw;
	h.alu.latency++;
	ASSERT(hw_fingerprint(&h) != base);
	h = hw;
	snprintf(h.source, sizeof h.source, "elsewhere.yaml");
	ASSERT(hw_fingerprint(&h) == base);
	char *path = example_path("vta-default");
	char *text = slurp(path);
	char *changed = replace(text, "max_pad: 15", "max_pad: 14");
	struct diags err = {0};
	ASSERT(hw_load_string(changed, "changed.yaml", &h, &err) == 0);
	ASSERT(hw_fingerprint(&h) != base);
	diag_free(&err);
	free(changed);

	/* A decimal clock round-trips exactly. */
	changed = replace(text, "clock_mhz: 100", "clock_mhz: 312.5e-1");
	ASSERT(hw_load_string(changed, "clock.yaml", &h, &err) == 0);
	ASSERT(h.clock_mhz == 31.25);
	c = hw_canonical(&h);
	ASSERT(strstr(c, "\nclock_mhz: 31.25\n"));
	free(c);
	diag_free(&err);
	free(changed);
	free(text);
	free(path);
}

static void test_default(void)
{
	struct hw d, v;
	struct diags derr = {0};
	ASSERT(hw_load_default(&d, &derr) == 0);
	diag_free(&derr);
	load_example("vta-default", &v);
	char *cd = hw_canonical(&d), *cv = hw_canonical(&v);
	ASSERT(!strcmp(cd, cv));
	ASSERT(!strcmp(d.source, hw_default_name));
	free(cd);
	free(cv);
}

static void test_helpers(void)
{
	ASSERT(hw_bits_for(0) == 0 && hw_bits_for(1) == 1 && hw_bits_for(2) == 2);
	ASSERT(hw_bits_for(255) == 8 && hw_bits_for(256) == 9 && hw_bits_for(UINT64_MAX) == 64);
	ASSERT(hw_alu_op_lookup("clip") == HW_ALU_CLIP && hw_alu_op_lookup("pow") == -1);
	ASSERT(!strcmp(hw_alu_op_name(HW_ALU_SHR), "shr"));
	ASSERT(strstr(hw_alu_op_meaning(HW_ALU_MOV), "src"));
	ASSERT(!strcmp(dtype_name(DT_UINT8), "uint8") && dtype_bytes(DT_FP16) == 2);
	ASSERT(dtype_signed(DT_INT8) && !dtype_signed(DT_UINT8));
	ASSERT(dtype_float(DT_FP32) && !dtype_float(DT_INT32));
	ASSERT(!strcmp(hw_role_name(HW_ROLE_ACCUMULATOR), "accumulator"));
	struct hw hw;
	load_example("vta-default", &hw);
	ASSERT(hw_level_lookup(&hw, "dram") == -1 && hw_level_lookup(&hw, "acc") == 2);
}

/* Independent mistakes are all reported, in one load. */
static void test_many_errors(void)
{
	char *path = example_path("vta-default");
	char *text = slurp(path);
	char *t1 = replace(text, "  lanes: 16", "  lanes: -3");
	char *t2 = replace(t1, "instruction_bits: 128", "instruction_bits: 96");
	char *t3 = replace(t2, "      dtype: int8\n      port_bits: 128", "      dtype: int4\n      port_bits: 128");
	char *t4 = replace(t3, "clock_mhz: 100", "clock_mhz: 100\ncolour: blue");
	char *t5 = replace(t4, "    burst: 64             # bytes\n", "");
	struct diags err = load_bad(t5);
	if (err.n != 5)
		diag_print(&err, stderr);
	ASSERT(err.n == 5);
	if (err.n == 5) {
		ASSERT(err.v[0].line == 6 && err.v[0].col == 1 && strstr(err.v[0].msg, "unknown key 'colour'"));
		ASSERT(err.v[1].line == 10 && strstr(err.v[1].msg, "missing required key 'burst' in dram"));
		ASSERT(err.v[2].line == 20 && err.v[2].col == 14 && strstr(err.v[2].msg, "int4"));
		ASSERT(err.v[3].line == 68 && err.v[3].col == 10 && strstr(err.v[3].msg, "'-3'"));
		ASSERT(err.v[4].line == 87 && err.v[4].col == 21 && strstr(err.v[4].msg, "'96'"));
		ASSERT(!strcmp(err.v[0].file, "bad.yaml"));
		ASSERT(err.v[4].source_line && strstr(err.v[4].source_line, "instruction_bits: 96"));
	}
	diag_free(&err);
	free(t1);
	free(t2);
	free(t3);
	free(t4);
	free(t5);
	free(text);
	free(path);
}

static void test_misc_errors(void)
{
	struct diags err = {0};
	struct hw hw;
	const char *saved = "previous source";
	err.source = saved;
	ASSERT(hw_load_file("/nonexistent/hw.yaml", &hw, &err) == -1);
	ASSERT(err.n == 1 && err.v[0].line == 0 && strstr(err.v[0].msg, "cannot open"));
	ASSERT(hw_load_string("name: x\n", "x.yaml", &hw, &err) == -1);
	ASSERT(err.source == saved); /* restored */
	diag_free(&err);

	/* Recursive and deep structures never crash. */
	err = load_bad("a: &x [*x]\n");
	ASSERT(strstr(err.v[0].msg, "aliases"));
	diag_free(&err);
	char deep[2000];
	memset(deep, '[', 1000);
	deep[1000] = 0;
	err = load_bad(deep);
	diag_free(&err);
	err = load_bad("");
	ASSERT(err.v[0].line == 1 && strstr(err.v[0].msg, "empty file"));
	diag_free(&err);
	err = load_bad("name: a\xff\n");
	ASSERT(err.v[0].line == 1 && err.v[0].col == 8);
	diag_free(&err);

	/* The column inside the expr: plain, and quoted. */
	char *path = example_path("vta-default");
	char *text = slurp(path);
	char *t = replace(text, "expr: \"acc[i, j] += inp[i, k] * wgt[j, k]\"", "expr: acc[i, j] += inp[i, q] * wgt[j, k]");
	err = load_bad(t);
	ASSERT(err.v[0].line == 58 && err.v[0].col == 31 && strstr(err.v[0].msg, "index 'q'"));
	diag_free(&err);
	free(t);
	t = replace(text, "inp[i, k] * wgt", "inp[i, k] * inp");
	err = load_bad(t);
	ASSERT(err.v[0].line == 58 && err.v[0].col == 37 && strstr(err.v[0].msg, "both inputs"));
	diag_free(&err);
	free(t);
	free(text);
	free(path);
}

/* Replays tests/corpus/hwdesc through the loader: the first error must be the
 * one the file's first line announces (the ctest corpus runs the same files
 * through `tessel check`). */
static void test_corpus(void)
{
	char *dir = xasprintf("%s/tests/corpus/hwdesc", source_dir());
	DIR *d = opendir(dir);
	ASSERT(d);
	if (!d) {
		free(dir);
		return;
	}
	int files = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".yaml"))
			continue;
		files++;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		char *text = slurp(path);
		const char *tag = "# expect: ";
		ASSERT(!strncmp(text, tag, strlen(tag)));
		char *want = xasprintf("%s:%.*s", path, (int)strcspn(text + strlen(tag), "\n"), text + strlen(tag));
		struct diags err = {0};
		struct hw hw;
		int rc = hw_load_file(path, &hw, &err);
		char *got = err.n ? diag_format(&err.v[0]) : xstrdup("(no error)");
		if (rc != -1 || strcmp(got, want))
			fprintf(stderr, "corpus %s:\n  expected %s\n  got      %s\n", e->d_name, want, got);
		ASSERT(rc == -1);
		ASSERT(!strcmp(got, want));
		diag_free(&err);
		free(got);
		free(want);
		free(text);
		free(path);
	}
	closedir(d);
	ASSERT(files >= 35);
	free(dir);
}

/* Damaged copies of each example: load, and require only sane behaviour:
 * no crash, errors exactly when it fails, and a stable canonical form when
 * it loads. */
static void try_text(const char *text, int *loaded)
{
	struct hw h1, h2;
	struct diags err = {0};
	int rc = hw_load_string(text, "fuzz.yaml", &h1, &err);
	ASSERT(rc == 0 || rc == -1);
	ASSERT(rc == 0 ? err.n == 0 : err.n >= 1);
	for (int i = 0; i < err.n; i++)
		ASSERT(err.v[i].line >= 1 && err.v[i].col >= 1 && err.v[i].msg[0]);
	diag_free(&err);
	if (rc != 0)
		return;
	++*loaded;
	char *c1 = hw_canonical(&h1);
	ASSERT(hw_load_string(c1, "fuzz-canonical.yaml", &h2, &err) == 0);
	char *c2 = hw_canonical(&h2);
	ASSERT(!strcmp(c1, c2));
	diag_free(&err);
	free(c1);
	free(c2);
}

static void test_damage(void)
{
	static const char flips[] = " :-[]{}\t\"'#x0&*,!|>\n9";
	int tries = 0, loaded = 0;
	for (int i = 0; i < NEXAMPLES; i++) {
		char *path = example_path(examples[i]);
		char *text = slurp(path);
		size_t len = strlen(text);
		char *buf = xmalloc(len + 1);
		for (size_t pos = 0; pos < len; pos++) {
			/* truncated */
			memcpy(buf, text, pos);
			buf[pos] = 0;
			try_text(buf, &loaded);
			/* one character changed, two ways */
			for (int k = 0; k < 2; k++) {
				memcpy(buf, text, len + 1);
				buf[pos] = flips[(pos * 7 + (size_t)k * 11) % (sizeof flips - 1)];
				try_text(buf, &loaded);
			}
			/* one character deleted */
			memcpy(buf, text, pos);
			memcpy(buf + pos, text + pos + 1, len - pos);
			try_text(buf, &loaded);
			tries += 4;
		}
		/* each line deleted */
		for (const char *l = text; *l;) {
			const char *end = strchr(l, '\n');
			end = end ? end + 1 : l + strlen(l);
			size_t off = (size_t)(l - text);
			memcpy(buf, text, off);
			strcpy(buf + off, end);
			try_text(buf, &loaded);
			tries++;
			l = end;
		}
		free(buf);
		free(text);
		free(path);
	}
	printf("damage: %d damaged descriptions, %d still loaded\n", tries, loaded);
	ASSERT(loaded > 0 && loaded < tries);
}

int main(void)
{
	test_vta_default();
	test_other_examples();
	test_operand_order();
	test_canonical();
	test_default();
	test_helpers();
	test_many_errors();
	test_misc_errors();
	test_corpus();
	test_damage();
	if (failures) {
		fprintf(stderr, "test_hwdesc: %d assertion(s) failed\n", failures);
		return 1;
	}
	printf("test_hwdesc: ok\n");
	return 0;
}
