/* tessel area: the analytical area model of a hardware description, per
 * component (hwdesc/area.h), and with --yosys the cells Yosys counts when
 * it synthesises the bundled RTL for it (scripts/area.sh), beside the
 * model's. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "hwdesc/area.h"
#include "rtl/rtl.h"
#include "cli.h"

/* ---- --yosys: running scripts/area.sh ---- */

/* The source tree, whose scripts/area.sh and rtl/ the synthesis reads:
 * TESSEL_SOURCE_DIR, else the parent of the directory of this executable
 * (a build directory inside the tree).  The executable's path in exe. */
static int source_dir(char *dir, size_t n, char *exe, size_t exe_n)
{
	ssize_t len = readlink("/proc/self/exe", exe, exe_n - 1);
	if (len <= 0)
		return -1;
	exe[len] = 0;
	const char *env = getenv("TESSEL_SOURCE_DIR");
	if (env && *env) {
		snprintf(dir, n, "%s", env);
		return 0;
	}
	snprintf(dir, n, "%s", exe);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	strcpy(slash, "/..");
	return 0;
}

/* Runs argv with its standard output into out (its standard error is
 * ours); its exit status, or -1 when it could not be run. */
static int run_capture(char *const argv[], struct strbuf *out)
{
	int fd[2];
	if (pipe(fd))
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		if (dup2(fd[1], 1) < 0)
			_exit(126);
		close(fd[0]);
		close(fd[1]);
		execv(argv[0], argv);
		fprintf(stderr, "tessel area: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	char buf[4096];
	ssize_t got;
	while ((got = read(fd[0], buf, sizeof buf)) > 0 || (got < 0 && errno == EINTR))
		if (got > 0)
			sb_add(out, buf, (size_t)got);
	close(fd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The built-in description as a file for the script, in a new directory
 * (removed by the caller).  0, or -1. */
static int write_default(char *dir, size_t dn, char *path, size_t pn)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, dn, "%s/tessel-area-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, pn, "%s/%s.yaml", dir, hw_default_name);
	FILE *f = fopen(path, "w");
	int rc = f && fputs(hw_default_yaml, f) >= 0 ? 0 : -1;
	if (f && fclose(f))
		rc = -1;
	return rc;
}

/* scripts/area.sh's report for the description at path (NULL: the
 * built-in one) into a.  0, or the exit status, reported. */
static int yosys(const struct hw *hw, const char *path, struct hw_area *a)
{
	char why[200], dir[PATH_MAX], exe[PATH_MAX], script[PATH_MAX + 32], tmpdir[PATH_MAX], tmp[PATH_MAX + 64];
	if (rtl_supported(hw, why, sizeof why)) {
		fprintf(stderr, "tessel area: error: the bundled RTL does not implement '%s' (%s), so Yosys has nothing to count\n",
			hw->name, why);
		return CLI_BAD_INPUT;
	}
	if (source_dir(dir, sizeof dir, exe, sizeof exe)) {
		fprintf(stderr, "tessel area: error: cannot find the source tree for --yosys; set TESSEL_SOURCE_DIR\n");
		return CLI_BAD_INPUT;
	}
	snprintf(script, sizeof script, "%s/scripts/area.sh", dir);
	if (access(script, X_OK)) {
		fprintf(stderr, "tessel area: error: %s: %s (--yosys runs it; set TESSEL_SOURCE_DIR to the source tree)\n",
			script, strerror(errno));
		return CLI_BAD_INPUT;
	}
	tmpdir[0] = 0;
	if (!path && write_default(tmpdir, sizeof tmpdir, tmp, sizeof tmp)) {
		fprintf(stderr, "tessel area: error: cannot write the built-in description for Yosys: %s\n", strerror(errno));
		return CLI_BAD_INPUT;
	}
	fprintf(stderr, "tessel area: %s %s (Yosys: minutes for a new description, then cached)\n", script,
		path ? path : tmp);
	char *argv[] = {script, (char *)(path ? path : tmp), exe, NULL};
	struct strbuf out = {0};
	int st = run_capture(argv, &out);
	if (tmpdir[0]) {
		unlink(tmp);
		rmdir(tmpdir);
	}
	char *text = sb_take(&out);
	if (!text) {
		fprintf(stderr, "tessel area: error: out of memory reading the Yosys report\n");
		return CLI_BAD_INPUT;
	}
	int rc = CLI_OK;
	if (st) {
		fprintf(stderr, "tessel area: error: %s failed (exit %d)\n", script, st);
		rc = CLI_BAD_INPUT;
	} else if (hw_area_read_yosys(text, a, why, sizeof why)) {
		fprintf(stderr, "tessel area: error: %s: %s\n", script, why);
		rc = CLI_BAD_INPUT;
	}
	free(text);
	return rc;
}

/* ---- text ---- */

static void print_cells(double v)
{
	if (v < 0)
		printf(" %10s", "-");
	else
		printf(" %10.0f", v);
}

/* model / measured - 1, as a percentage */
static void print_error(double model, double measured)
{
	if (measured > 0)
		printf(" %+7.1f%%", 100.0 * (model / measured - 1));
	else
		printf(" %8s", "-");
}

static void print_row(const char *name, const char *part, double cells, double yosys, double um2, const char *what,
		      bool with_yosys)
{
	printf("  %-14s %-8s", name, part);
	print_cells(cells);
	if (with_yosys) {
		print_cells(yosys);
		print_error(cells, yosys);
	}
	printf(" %10.4f%s%s\n", um2 / 1e6, *what ? "  " : "", what);
}

static void print_text(const struct hw *hw, const struct hw_area *a, bool with_yosys)
{
	printf("%s: %.3f mm2 in 45 nm (logic %.0f cells, %.3f mm2; SRAM %.3f mm2)\n", hw->name, a->total_um2 / 1e6,
	       a->logic_cells, a->logic_um2 / 1e6, a->sram_um2 / 1e6);
	printf("  %-14s %-8s %10s", "component", "part", "cells");
	if (with_yosys)
		printf(" %10s %8s", "yosys", "error");
	printf(" %10s  %s\n", "mm2", "what");
	for (int i = 0; i < a->n; i++) {
		const struct hw_area_component *c = &a->c[i];
		char what[128];
		snprintf(what, sizeof what, "%s%s", c->what, c->extrapolated ? " (extrapolated)" : "");
		print_row(c->name, hw_area_part_name(c->part), c->part == HW_AREA_PART_SRAM ? -1 : c->cells, c->yosys_cells,
			  c->um2, what, with_yosys);
	}
	print_row("logic", "", a->logic_cells, a->yosys_cells, a->logic_um2, "", with_yosys);
	print_row("sram", "", -1, -1, a->sram_um2, "", with_yosys);
	print_row("total", "", -1, -1, a->total_um2, "", with_yosys);
	printf("a logic cell is %.3f um2, an SRAM bit %.3f um2 (docs/energy.md, \"Area\")\n",
	       hw_area_coeff_value(HW_AREA_CELL_UM2), hw_area_coeff_value(HW_AREA_SRAM_BIT_UM2));
	if (with_yosys)
		printf("yosys: %.0f logic cells, %.0f of them flip-flops, and %.0f memories (not logic)\n", a->yosys_cells,
		       a->yosys_flip_flops, a->yosys_memories);
}

/* ---- JSON (docs/json.md, "area") ---- */

static void json_number_or_null(double v)
{
	if (v < 0)
		printf("null");
	else
		printf("%.6g", v);
}

static void json_component(const struct hw_area_component *c)
{
	printf("{\"name\":");
	cli_json_string(stdout, c->name);
	printf(",\"part\":\"%s\",\"what\":", hw_area_part_name(c->part));
	cli_json_string(stdout, c->what);
	printf(",\"extrapolated\":%s,\"cells\":", c->extrapolated ? "true" : "false");
	if (c->part == HW_AREA_PART_SRAM)
		printf("null");
	else
		printf("%.0f", c->cells);
	printf(",\"um2\":%.1f,\"terms\":{", c->um2);
	for (int t = 0; t < c->nterms; t++)
		printf("%s\"%s\":%.17g", t ? "," : "", hw_area_coeff_name(c->term[t].coeff), c->term[t].quantity);
	printf("},\"yosys_cells\":");
	json_number_or_null(c->yosys_cells < 0 ? -1 : c->yosys_cells);
	printf("}");
}

static void print_json(const struct hw *hw, const struct hw_area *a)
{
	cli_json_begin(stdout, "area");
	printf(",\"hw\":");
	cli_json_string(stdout, hw->name);
	printf(",\"fingerprint\":\"%016" PRIx64 "\",\"coefficients\":{", hw_fingerprint(hw));
	static const char *const sources[] = {"fitted", "published", "assumed"};
	for (int k = 0; k < HW_AREA_COEFF_COUNT; k++) {
		printf("%s\"%s\":{\"value\":%.17g,\"source\":\"%s\",\"unit\":", k ? "," : "", hw_area_coeff_name(k),
		       hw_area_coeff_value(k), sources[hw_area_coeff_source(k)]);
		cli_json_string(stdout, hw_area_coeff_unit(k));
		printf("}");
	}
	printf("},\"components\":[");
	for (int i = 0; i < a->n; i++) {
		printf(i ? "," : "");
		json_component(&a->c[i]);
	}
	printf("],\"logic_cells\":%.0f,\"logic_mm2\":%.6g,\"sram_mm2\":%.6g,\"total_mm2\":%.6g,\"yosys\":", a->logic_cells,
	       a->logic_um2 / 1e6, a->sram_um2 / 1e6, a->total_um2 / 1e6);
	if (a->yosys_cells < 0)
		printf("null");
	else {
		printf("{\"cells\":%.0f,\"flip_flops\":%.0f,\"memories\":%.0f,\"seconds\":", a->yosys_cells,
		       a->yosys_flip_flops, a->yosys_memories);
		json_number_or_null(a->yosys_seconds);
		printf("}");
	}
	printf("}\n");
}

int cli_area(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("area", argc, argv, CLI_OPT_JSON | CLI_OPT_YOSYS, 0, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	const char *path = o.npos ? o.pos[0] : NULL;
	struct hw hw;
	if (cli_load_hw(path, &hw))
		return CLI_BAD_INPUT;
	struct hw_area a;
	hw_area_model(&hw, &a);
	if (o.yosys && (rc = yosys(&hw, path, &a)))
		return rc;
	if (o.json)
		print_json(&hw, &a);
	else
		print_text(&hw, &a, o.yosys);
	return CLI_OK;
}
