/* Command-line parsing shared by the subcommands. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compiler/compile.h"
#include "ir/workload.h"
#include "base/output.h"
#include "cli.h"

void cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "tessel %s: error: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	cli_usage(cmd, true);
}

int cli_parse(const char *cmd, int argc, char **argv, unsigned allowed, int min_pos, int max_pos,
	      struct cli_opts *o)
{
	static const struct option longopts[] = {
		{"hw", required_argument, NULL, 'H'},
		{"format", required_argument, NULL, 'F'},
		{"output", required_argument, NULL, 'o'},
		{"device", required_argument, NULL, 'D'},
		{"trace", required_argument, NULL, 'T'},
		{"json", no_argument, NULL, 'J'},
		{"seed", required_argument, NULL, 'S'},
		{"iterations", required_argument, NULL, 'I'},
		{"dump-ir", no_argument, NULL, 'R'},
		{"verify", no_argument, NULL, 'V'},
		{"budget", required_argument, NULL, 'B'},
		{"db", required_argument, NULL, 'd'},
		{"waves", required_argument, NULL, 'W'},
		{"dump-after", required_argument, NULL, 'A'},
		{"knobs", required_argument, NULL, 'K'},
		{"dims", required_argument, NULL, 'N'},
		{"yosys", no_argument, NULL, 'Y'},
		{"html", required_argument, NULL, 'L'},
		{"point", required_argument, NULL, 'P'},
		{"retune", no_argument, NULL, 'U'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof *o);
	optind = 0; /* GNU: start afresh */
	opterr = 0;
	int c, li = -1;
	char spelled[64];
	while ((c = getopt_long(argc, argv, ":o:h", longopts, &li)) != -1) {
		/* The option as written, never its value: "--NAME" or "-C". */
		if (li >= 0)
			snprintf(spelled, sizeof spelled, "--%s", longopts[li].name);
		else if ((c == '?' && !optopt) || c == ':') /* no value was taken: argv[optind - 1] is the option */
			snprintf(spelled, sizeof spelled, "%.*s", (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
		else
			snprintf(spelled, sizeof spelled, "-%c", c == '?' ? optopt : c);
		li = -1;
		unsigned need = c == 'H' ? CLI_OPT_HW : c == 'F' ? CLI_OPT_FORMAT : c == 'o' ? CLI_OPT_OUT
			      : c == 'D' ? CLI_OPT_DEVICE : c == 'T' ? CLI_OPT_TRACE : c == 'J' ? CLI_OPT_JSON
			      : c == 'S' ? CLI_OPT_SEED : c == 'I' ? CLI_OPT_ITERATIONS : c == 'R' ? CLI_OPT_DUMP_IR
			      : c == 'V' ? CLI_OPT_VERIFY : c == 'B' ? CLI_OPT_BUDGET : c == 'd' ? CLI_OPT_DB
			      : c == 'W' ? CLI_OPT_WAVES : c == 'A' ? CLI_OPT_DUMP_AFTER : c == 'K' ? CLI_OPT_KNOBS : c == 'N' ? CLI_OPT_DIMS
			      : c == 'Y' ? CLI_OPT_YOSYS : c == 'L' ? CLI_OPT_HTML : c == 'P' ? CLI_OPT_POINT
			      : c == 'U' ? CLI_OPT_RETUNE : 0;
		if (c == 'h') {
			cli_usage(cmd, false);
			return 1;
		}
		if (c == ':') {
			cli_usage_error(cmd, "option '%s' needs a value", spelled);
			return -1;
		}
		if (c == '?' || !(allowed & need)) {
			cli_usage_error(cmd, "unknown option '%s'", spelled);
			return -1;
		}
		if (c == 'J' || c == 'R' || c == 'V' || c == 'Y' || c == 'U') {
			*(c == 'J' ? &o->json : c == 'R' ? &o->dump_ir : c == 'V' ? &o->verify : c == 'U' ? &o->retune : &o->yosys) = true;
			continue;
		}
		const char **slot = c == 'H' ? &o->hw : c == 'F' ? &o->format : c == 'D' ? &o->device
				  : c == 'T' ? &o->trace : c == 'S' ? &o->seed : c == 'I' ? &o->iterations
				  : c == 'B' ? &o->budget : c == 'd' ? &o->db : c == 'W' ? &o->waves
				  : c == 'A' ? &o->dump_after : c == 'K' ? &o->knobs : c == 'N' ? &o->dims
				  : c == 'L' ? &o->html : c == 'P' ? &o->point : &o->out;
		if (*slot) {
			cli_usage_error(cmd, "option '%s' given twice", spelled);
			return -1;
		}
		if (!*optarg) { /* every option's value names something: a file, a number, a word */
			cli_usage_error(cmd, "option '%s' needs a value, got an empty string", spelled);
			return -1;
		}
		*slot = optarg;
	}
	for (int i = optind; i < argc; i++) {
		if (o->npos == max_pos || o->npos == 4) {
			cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
			return -1;
		}
		if (!*argv[i]) {
			cli_usage_error(cmd, "argument %d is an empty string; expected a file name", o->npos + 1);
			return -1;
		}
		o->pos[o->npos++] = argv[i];
	}
	if (o->npos < min_pos) {
		cli_usage_error(cmd, "missing argument");
		return -1;
	}
	return 0;
}

int cli_load_hw(const char *path, struct hw *hw)
{
	struct diags err = {0};
	int rc = path ? hw_load_file(path, hw, &err) : hw_load_default(hw, &err);
	/* a description whose instructions or micro-ops do not fit their
	 * widths describes no machine (docs/isa.md): every command refuses it,
	 * not only those that encode instructions */
	struct isa_layout lay;
	if (!rc)
		rc = isa_derive(hw, &lay, &err);
	if (rc)
		diag_print(&err, stderr);
	diag_free(&err);
	return rc;
}

void cli_print_errors(struct diags *err, const char *file)
{
	for (int i = 0; i < err->n; i++)
		if (!err->v[i].file && file)
			err->v[i].file = xstrdup(file);
	diag_print(err, stderr);
}

/* A program built for other hardware must not be run or read as if it were
 * for this one: the fingerprints say so. */
int cli_load_program(const char *path, const char *hw_path, struct isa_program *p)
{
	struct diags err = {0};
	if (isa_tsp_read(path, p, &err)) {
		cli_print_errors(&err, path);
		diag_free(&err);
		return -1;
	}
	if (!hw_path)
		return 0;
	struct hw hw;
	if (cli_load_hw(hw_path, &hw)) {
		isa_program_free(p);
		return -1;
	}
	uint64_t want = hw_fingerprint(&hw), have = hw_fingerprint(&p->hw);
	if (want == have)
		return 0;
	diag_add(&err, path, 0, 0,
		 "program was built for hardware '%s' (fingerprint %016" PRIx64 "), not for '%s' from %s "
		 "(fingerprint %016" PRIx64 ")",
		 p->hw.name, have, hw.name, hw_path, want);
	cli_print_errors(&err, path);
	diag_free(&err);
	isa_program_free(p);
	return -1;
}

void cli_json_string(FILE *out, const char *s)
{
	out_json_string(out, s);
}

void cli_json_begin(FILE *out, const char *command)
{
	fprintf(out, "{\"schema\":%d,\"command\":", CLI_JSON_SCHEMA);
	cli_json_string(out, command);
}

/* The structured form of a plan (tz_binding_json, tz_mapping_json): only a
 * GEMM plan has a binding and a mapping of an intrinsic. */
static void json_fields(FILE *out, const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *plan)
{
	struct strbuf b = {0}, m = {0};
	if (plan->kind == CC_GEMM) {
		tz_binding_json(hw, g, op, &plan->map.b, &b);
		tz_mapping_json(&plan->map, &m);
	}
	char *bs = sb_take(&b), *ms = sb_take(&m);
	fprintf(out, ",\"binding_fields\":%s,\"mapping_fields\":%s", *bs ? bs : "null", *ms ? ms : "null");
	free(bs);
	free(ms);
}

void cli_json_plan(FILE *out, const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *plan)
{
	bool on_host = plan->kind == CC_HOST;
	fprintf(out, ",\"placement\":\"%s\",\"plan\":", on_host ? "host" : "accelerator");
	cli_json_string(out, cc_kind_name(plan->kind));
	struct strbuf b = {0}, m = {0};
	if (!on_host)
		cc_plan_format(hw, g, op, plan, &b, &m);
	char *bs = sb_take(&b), *ms = sb_take(&m);
	fputs(",\"binding\":", out);
	cli_json_string(out, on_host ? NULL : bs);
	fputs(",\"mapping\":", out);
	cli_json_string(out, on_host ? NULL : ms);
	free(bs);
	free(ms);
	json_fields(out, hw, g, op, plan);
	fputs(",\"why\":", out);
	cli_json_string(out, !on_host ? NULL : plan->why[0] ? plan->why : "no intrinsic and not the vector ALU can run it");
}

void cli_bound_text(const struct cc_bound *b, uint64_t cycles, char *out, size_t n)
{
	char frac[16] = "-", eff[16] = "-";
	if (cycles)
		snprintf(frac, sizeof frac, "%.1f%%", 100 * b->cycles / (double)cycles);
	if (b->efficiency >= 0)
		snprintf(eff, sizeof eff, "%.1f%%", 100 * b->efficiency);
	snprintf(out, n, "%10.0f %-4s %8s %6s", b->cycles, cc_resource_name(b->binding), frac, eff);
}

void cli_json_bound(FILE *out, const struct cc_bound *b, uint64_t cycles)
{
	fprintf(out, ",\"bound\":{\"cycles\":%.1f", b->cycles);
	for (int r = 0; r < CC_RES_COUNT; r++)
		fprintf(out, ",\"%s\":%.1f", cc_resource_name((enum cc_resource)r), b->need[r]);
	fprintf(out, ",\"binding\":\"%s\",\"fraction\":", cc_resource_name(b->binding));
	if (cycles)
		fprintf(out, "%.6f", b->cycles / (double)cycles);
	else
		fputs("null", out);
	fputs(",\"efficiency\":", out);
	if (b->efficiency >= 0)
		fprintf(out, "%.6f", b->efficiency);
	else
		fputs("null", out);
	fputs(",\"efficiency_at_bound\":", out);
	if (b->at_bound >= 0)
		fprintf(out, "%.6f}", b->at_bound);
	else
		fputs("null}", out);
}

int cli_parse_count(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-')
		return -1;
	*v = x;
	return 0;
}

int cli_load_workload(const char *path, const char *dims, struct wl_workload *w)
{
	struct diags err = {0};
	int rc = wl_load_file_dims(path, dims, w, &err);
	cli_print_errors(&err, path);
	diag_free(&err);
	return rc;
}

int cli_load_hw_workload(const char *hw_path, const char *wl_path, const char *dims, struct hw *hw, struct wl_workload *w)
{
	if (cli_load_hw(hw_path, hw) || cli_load_workload(wl_path, dims, w))
		return -1;
	struct diags err = {0};
	int rc = cc_rewrite(hw, w, &err);
	cli_print_errors(&err, wl_path);
	diag_free(&err);
	return rc;
}
