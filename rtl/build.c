/* Building and loading the Verilated model of one hardware description.
 *
 * A Verilated model is specific to its parameters, so it is built on demand
 * for the hardware's fingerprint: the RTL sources (carried in this binary)
 * and the generated header are written to a fresh directory, Verilator and
 * the C++ compiler turn them and the harness into a shared object, which is
 * moved into the cache atomically (two processes may build at once; the
 * last rename wins with an identical file) and loaded with dlopen.  The
 * cache directory is named by the fingerprint and a hash of everything the
 * model is built from: the embedded sources and the generated header (whose
 * text comes from this binary's C), so an edited RTL or a changed header
 * generator is rebuilt rather than a stale model loaded. */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY /* XXH64_state_t on the stack */
#include <xxhash.h>

#include "base/alloc.h"
#include "isa/isa.h"
#include "rtl.h"

struct rtl_source {
	const char *name, *text;
};
extern const struct rtl_source rtl_sources[];

/* The generated header of hw into *VH, NULL when the layout does not derive:
 * 0, or -1 with an error when out of memory (a header silently missing
 * would name a different cache directory). */
static int generated_header(const struct hw *hw, char **vh, struct diags *err)
{
	struct isa_layout lay;
	struct diags quiet = {0};
	*vh = NULL;
	int bad = isa_derive(hw, &lay, &quiet);
	bool nomem = diag_nomem_since(&quiet, 0);
	if (nomem)
		diag_append(err, &quiet);
	diag_free(&quiet);
	if (bad)
		return nomem ? -1 : 0;
	struct strbuf sb = {0};
	isa_describe_verilog(&lay, &sb);
	*vh = sb_take_or_report(&sb, err, "the generated Verilog header");
	return *vh ? 0 : -1;
}

static int sources_hash(const struct hw *hw, uint64_t *h, struct diags *err)
{
	char *vh;
	if (generated_header(hw, &vh, err))
		return -1;
	XXH64_state_t s;
	XXH64_reset(&s, 0);
	for (const struct rtl_source *f = rtl_sources; f->name; f++) {
		XXH64_update(&s, f->name, strlen(f->name) + 1);
		XXH64_update(&s, f->text, strlen(f->text) + 1);
	}
	if (vh)
		XXH64_update(&s, vh, strlen(vh) + 1);
	free(vh);
	*h = XXH64_digest(&s);
	return 0;
}

/* The model variant the environment asks for (docs/rtl.md, "Coverage" and
 * "Speed"): TESSEL_RTL_COVERAGE=DIR builds it with Verilator's line and
 * toggle coverage (each model writes its counts into DIR when destroyed),
 * TESSEL_RTL_THREADS=N with N threads.  Each variant has its own cache
 * directory.  0, or -1 with an error naming the variable. */
struct variant {
	bool coverage;
	int threads; /* 0: single-threaded, as without --threads */
};

static int variant_of_env(struct variant *v, struct diags *err)
{
	memset(v, 0, sizeof *v);
	const char *cov = getenv("TESSEL_RTL_COVERAGE"), *thr = getenv("TESSEL_RTL_THREADS");
	v->coverage = cov && *cov;
	if (!thr || !*thr)
		return 0;
	char *end;
	errno = 0;
	long n = strtol(thr, &end, 10);
	if (*end || errno || n < 1 || n > 64) {
		diag_add(err, NULL, 0, 0, "TESSEL_RTL_THREADS is '%s'; expected a number of threads from 1 to 64", thr);
		return -1;
	}
	v->threads = (int)n;
	return 0;
}

static char *model_dir(const struct hw *hw, const struct variant *v, struct diags *err);

char *rtl_model_dir(const struct hw *hw, struct diags *err)
{
	struct variant v;
	return variant_of_env(&v, err) ? NULL : model_dir(hw, &v, err);
}

static char *model_dir(const struct hw *hw, const struct variant *v, struct diags *err)
{
	uint64_t fp = hw_fingerprint(hw), sources;
	if (fp == HW_NO_FINGERPRINT) {
		diag_nomem(err, NULL, 0, "the fingerprint of '%s'", hw->name);
		return NULL;
	}
	if (sources_hash(hw, &sources, err))
		return NULL;
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	struct strbuf sb = {0};
	if (xdg && *xdg)
		sb_printf(&sb, "%s/tessel/rtl/", xdg);
	else
		sb_printf(&sb, "%s/.cache/tessel/rtl/", home && *home ? home : ".");
	sb_printf(&sb, "%016" PRIx64 "-%016" PRIx64, fp, sources);
	if (v->coverage)
		sb_printf(&sb, "-coverage");
	if (v->threads)
		sb_printf(&sb, "-threads%d", v->threads);
	return sb_take_or_report(&sb, err, "the name of the model cache");
}

/* mkdir -p: 0, or -1 with an error naming WHAT the directory is for. */
static int mkdirs(const char *path, const char *what, struct diags *err)
{
	char *p = try_strdup(path);
	if (!p)
		return diag_nomem(err, path, strlen(path) + 1, "the name of %s", what);
	int rc = 0;
	for (char *s = p + 1; *s && !rc; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		rc = mkdir(p, 0777) && errno != EEXIST ? -1 : 0;
		*s = '/';
	}
	if (!rc && mkdir(p, 0777) && errno != EEXIST)
		rc = -1;
	if (rc)
		diag_add(err, path, 0, 0, "cannot create %s: %s", what, strerror(errno));
	free(p);
	return rc;
}

static int write_file(const char *dir, const char *name, const char *text, struct diags *err)
{
	struct strbuf path = {0};
	sb_printf(&path, "%s/%s", dir, name);
	char *p = sb_take_or_report(&path, err, "the name of an RTL source");
	if (!p)
		return -1;
	FILE *f = fopen(p, "w");
	int rc = f && fputs(text, f) >= 0 ? 0 : -1;
	if (f && fclose(f))
		rc = -1;
	if (rc)
		diag_add(err, p, 0, 0, "cannot write: %s", strerror(errno));
	free(p);
	return rc;
}

int rtl_write_sources(const struct hw *hw, const char *dir, struct diags *err)
{
	struct isa_layout lay;
	if (isa_derive(hw, &lay, err))
		return -1;
	if (mkdirs(dir, "the directory", err))
		return -1;
	struct strbuf vh = {0};
	isa_describe_verilog(&lay, &vh);
	char *text = sb_take_or_report(&vh, err, "the generated Verilog header");
	if (!text)
		return -1;
	int rc = write_file(dir, "tessel_isa.vh", text, err);
	free(text);
	for (const struct rtl_source *f = rtl_sources; f->name && !rc; f++)
		rc = write_file(dir, f->name, f->text, err);
	return rc;
}

/* Runs argv in dir with stdout and stderr to dir/build.log; its exit status. */
static int run_in(const char *dir, char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (chdir(dir) || !freopen("build.log", "w", stdout) || dup2(fileno(stdout), 2) < 0)
			_exit(126);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The fetch port's width (a chunk of instructions) in *chunk_bits; the DRAM
 * data port's (one element per lane) returned. */
static uint32_t dram_bits(const struct hw *hw, const struct isa_layout *lay, uint32_t *chunk_bits)
{
	uint32_t chunk = hw->dram.burst / lay->insn_bytes ? hw->dram.burst / lay->insn_bytes : 1;
	*chunk_bits = chunk * lay->insn_bits;
	return isa_dram_elem_bits(hw);
}

static int build(const struct hw *hw, const struct variant *v, const char *dir, const char *so, struct diags *err)
{
	struct strbuf sb = {0};
	sb_printf(&sb, "%s/build-%ld", dir, (long)getpid());
	char *tmp = sb_take_or_report(&sb, err, "the name of the build directory");
	if (!tmp)
		return -1;
	struct isa_layout lay;
	int rc = rtl_write_sources(hw, tmp, err) || isa_derive(hw, &lay, err) ? -1 : 0;
	if (!rc) {
		uint32_t chunk_bits, dbits = dram_bits(hw, &lay, &chunk_bits);
		char cflags[256];
		snprintf(cflags, sizeof cflags, "-fPIC -O1 -DTSL_DRAM_BITS=%u -DTSL_CHUNK_BITS=%u", dbits, chunk_bits);
		const char *verilator = getenv("TESSEL_VERILATOR");
		char threads[16];
		snprintf(threads, sizeof threads, "%d", v->threads);
		char *argv[64] = {(char *)(verilator && *verilator ? verilator : "verilator"), "--cc", "--exe", "--build", "-j", "2",
				  "--x-assign", "fast", "--x-initial", "0", "--trace", "-Wno-fatal", "-Mdir", "obj", "-o", "model.so",
				  "-CFLAGS", cflags, "-LDFLAGS", "-shared -fPIC", "--top-module", "tsl_top", "-I.",
				  "tsl_harness.cpp"};
		int argc = 0;
		while (argv[argc])
			argc++;
		/* every SystemVerilog source the binary carries (CMakeLists.txt's list) */
		for (const struct rtl_source *f = rtl_sources; f->name && argc < 48; f++)
			if (strlen(f->name) > 3 && !strcmp(f->name + strlen(f->name) - 3, ".sv"))
				argv[argc++] = (char *)f->name;
		if (v->coverage) {
			argv[argc++] = "--coverage-line";
			argv[argc++] = "--coverage-toggle";
		}
		if (v->threads) {
			argv[argc++] = "--threads";
			argv[argc++] = threads;
		}
		int st = run_in(tmp, argv);
		sb_printf(&sb, "%s/obj/model.so", tmp);
		char *built = sb_take_or_report(&sb, err, "the name of the built model");
		if (!built) {
			rc = -1;
		} else if (st) {
			diag_add(err, NULL, 0, 0,
				 "building the RTL model of '%s' failed (%s exited with %d); see %s/build.log", hw->name, argv[0],
				 st, tmp);
			rc = -1;
		} else if (rename(built, so)) {
			diag_add(err, so, 0, 0, "cannot move the built model into the cache: %s", strerror(errno));
			rc = -1;
		} else {
			char *rm[] = {"rm", "-rf", tmp, NULL};
			run_in(dir, rm);
		}
		free(built);
	}
	free(tmp);
	return rc;
}

static FILE *build_notes;

void rtl_report_builds(FILE *to)
{
	build_notes = to;
}

const struct rtl_abi *rtl_model_load(const struct hw *hw, struct diags *err)
{
	char why[200];
	if (rtl_supported(hw, why, sizeof why)) {
		diag_add(err, NULL, 0, 0, "the RTL does not support '%s': %s", hw->name, why);
		return NULL;
	}
	struct variant v;
	char *dir = variant_of_env(&v, err) ? NULL : model_dir(hw, &v, err);
	if (!dir)
		return NULL;
	struct strbuf sb = {0};
	sb_printf(&sb, "%s/model.so", dir);
	char *so = sb_take_or_report(&sb, err, "the name of the model");
	const struct rtl_abi *abi = NULL;
	struct stat stt;
	if (!so)
		goto out;
	if (stat(so, &stt)) {
		if (mkdirs(dir, "the model cache", err))
			goto out;
		if (build_notes)
			fprintf(build_notes, "tessel: building the RTL model of '%s' in %s\n", hw->name, dir);
		if (build(hw, &v, dir, so, err))
			goto out;
	}
	void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL); /* kept loaded: models hold no state between opens */
	rtl_abi_fn fn = h ? (rtl_abi_fn)(uintptr_t)dlsym(h, RTL_ABI_SYMBOL) : NULL;
	if (!fn)
		diag_add(err, so, 0, 0, "cannot load the RTL model: %s", dlerror());
	else if ((abi = fn())->version != RTL_ABI_VERSION) {
		diag_add(err, so, 0, 0, "the RTL model has interface version %d, expected %d", abi->version, RTL_ABI_VERSION);
		abi = NULL;
	}
out:
	free(so);
	free(dir);
	return abi;
}
