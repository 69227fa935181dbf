/* tessel exec: a workload run op by op on a device; with --verify every
 * accelerator op is compared with the LLVM host backend.  Per op: binding,
 * cycles, MACs, utilization, the roofline bound and whether it verified;
 * --html writes the same as a page with the plots `tessel report` draws. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/output.h"
#include "hwdesc/energy.h"
#include "compiler/compile.h"
#include "device/trace.h"
#include "cli.h"
#include "compiler/devices.h"
#include "report.h"

/* The op's own MACs (not those the intrinsic spends on padding) per cycle,
 * against the peak. */
static double utilization(const struct rt_result *r)
{
	return r->st.cycles && r->st.peak_macs_per_cycle > 0 ?
		       (double)r->macs / ((double)r->st.cycles * r->st.peak_macs_per_cycle) : 0.0;
}

static double op_energy(const struct hw *hw, const struct dev_stats *st)
{
	struct hw_energy_report r;
	hw_energy_of(hw, &st->act, st->dram_read, st->dram_written, st->cycles, &r);
	return r.total;
}

static const char *status(const struct rt_result *r, bool verify)
{
	return r->on_host ? "host" : !verify ? "-" : r->verified ? "ok" : "MISMATCH";
}

/* The width of the op column: the longest name, at least 14. */
static int name_width(const struct ir_graph *g, int nops)
{
	int width = 14;
	for (int op = 0; op < nops; op++)
		width = (int)strlen(g->op[op].name) > width ? (int)strlen(g->op[op].name) : width;
	return width;
}

static void print_text(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans,
		       const struct rt_result *res, int nops, bool verify, const char *dev)
{
	int nw = name_width(&w->g, nops);
	printf("%s on %s (device %s)\n", w->name, hw->name, dev);
	printf("  %-*s %12s %14s %7s %12s %7s %s %10s  %-8s %s\n", nw, "op", "cycles", "MACs", "util", "roofline", "of roof",
	       CLI_BOUND_HEADER, "energy", "verified", "binding");
	struct dev_stats total = {0};
	char e[32], bound[64];
	for (int op = 0; op < nops; op++) {
		const struct rt_result *r = &res[op];
		struct cc_bound b;
		cc_machine_bound(hw, &w->g, op, &plans[op], &b);
		/* a stopped op ran part of its work: no fraction of a bound */
		cli_bound_text(&b, r->on_host || r->st.limit ? 0 : r->st.cycles, bound, sizeof bound);
		if (r->on_host) {
			printf("  %-*s %12s %14" PRIu64 " %7s %12.0f %7s %s %10s  %-8s %s\n", nw, w->g.op[op].name, "-", r->macs, "-",
			       r->roofline, "-", bound, "-", "host", plans[op].why);
			continue;
		}
		dev_stats_add(&total, &r->st);
		char roof[16] = "      -";
		if (!r->st.limit)
			snprintf(roof, sizeof roof, "%6.1f%%", 100 * r->roofline / (double)r->st.cycles);
		printf("  %-*s %12" PRIu64 " %14" PRIu64 " %6.1f%% %12.0f %s %s %10s  %-8s %s\n", nw, w->g.op[op].name,
		       r->st.cycles, r->macs, 100 * utilization(r), r->roofline, roof, bound,
		       cli_joules(op_energy(hw, &r->st), e, sizeof e), r->st.limit ? "stopped" : status(r, verify), r->binding);
		if (verify && !r->verified && !r->st.limit)
			printf("      first difference: %s\n", r->mismatch);
	}
	printf("  total %" PRIu64 " cycles on the accelerator (%.6g ms at %.6g MHz)\n", total.cycles,
	       (double)total.cycles / hw->clock_mhz / 1e3, hw->clock_mhz);
	cli_energy_text(hw, &total);
}

/* Every op has the same keys: those that do not apply to it (an op on the
 * host has no cycles; one not verified no error) are null. */
static void print_json_op(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plan,
			  const struct rt_result *r, int op, bool verify, const char *dev)
{
	bool acc = !r->on_host;
	printf("%s{\"name\":", op ? "," : "");
	cli_json_string(stdout, w->g.op[op].name);
	printf(",\"kind\":");
	cli_json_string(stdout, w->g.op[op].kind);
	printf(",\"device\":\"%s\"", acc ? dev : "host");
	cli_json_plan(stdout, hw, &w->g, op, plan);
	printf(",\"macs\":%" PRIu64 ",\"roofline_cycles\":%.1f,\"compulsory_read\":%.0f", r->macs, r->roofline,
	       cc_compulsory_read_bytes(&w->g, op));
	struct cc_bound b;
	cc_machine_bound(hw, &w->g, op, plan, &b);
	cli_json_bound(stdout, &b, acc ? r->st.cycles : 0);
	if (acc)
		printf(",\"cycles\":%" PRIu64 ",\"utilization\":%.6f,\"dram_read\":%" PRIu64 ",\"dram_written\":%" PRIu64,
		       r->st.cycles, utilization(r), r->st.dram_read, r->st.dram_written);
	else
		printf(",\"cycles\":null,\"utilization\":null,\"dram_read\":null,\"dram_written\":null");
	printf(",\"energy\":");
	if (acc)
		cli_energy_json(stdout, hw, &r->st);
	else
		printf("null");
	printf(",\"stopped\":");
	cli_json_string(stdout, !r->st.limit ? NULL : r->st.limit == DEV_LIMIT_CYCLES ? "max-cycles" : "max-seconds");
	bool checked = verify && acc && !r->st.limit;
	printf(",\"verified\":%s", checked ? (r->verified ? "true" : "false") : "null");
	if (checked)
		printf(",\"max_error\":%.3g", r->max_error);
	else
		printf(",\"max_error\":null");
	printf(",\"mismatch\":");
	cli_json_string(stdout, checked && !r->verified ? r->mismatch : NULL);
	printf("}");
}

static void print_json(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans,
		       const struct rt_result *res, int nops, bool verify, const char *dev)
{
	cli_json_begin(stdout, "exec");
	printf(",\"workload\":");
	cli_json_string(stdout, w->name);
	printf(",\"hardware\":");
	cli_json_string(stdout, hw->name);
	printf(",\"device\":\"%s\",\"verify\":%s,\"ops\":[", dev, verify ? "true" : "false");
	struct dev_stats total = {0};
	for (int op = 0; op < nops; op++) {
		print_json_op(hw, w, &plans[op], &res[op], op, verify, dev);
		if (!res[op].on_host)
			dev_stats_add(&total, &res[op].st);
	}
	printf("],\"cycles\":%" PRIu64 ",\"energy\":", total.cycles);
	cli_energy_json(stdout, hw, &total);
	printf("}\n");
}

/* --html: the run as a page (cli/report.h) — the accelerator ops' roofline,
 * utilization, energy by part and table, as `tessel report` draws a point.
 * The accelerator ops as the page's ops and energy bars; their statistics
 * summed in total.  Returns how many. */
static int html_ops(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans,
		    const struct rt_result *res, int nops, struct rp_op *ops, struct rp_stack *bars, struct dev_stats *total)
{
	int n = 0;
	char e[32];
	for (int op = 0; op < nops; op++) {
		const struct rt_result *r = &res[op];
		if (r->on_host)
			continue;
		struct hw_energy_report er;
		hw_energy_of(hw, &r->st.act, r->st.dram_read, r->st.dram_written, r->st.cycles, &er);
		struct cc_bound b;
		cc_machine_bound(hw, &w->g, op, &plans[op], &b);
		ops[n] = (struct rp_op){w->g.op[op].name, r->st.cycles, r->macs, r->st.dram_read, r->roofline, er.total,
					b.cycles, cc_resource_name(b.binding)};
		bars[n] = (struct rp_stack){w->g.op[op].name, NULL, {0}, false, -1};
		memcpy(bars[n].part, er.part, sizeof er.part);
		bars[n++].tip = xasprintf("%s: %s", w->g.op[op].name, cli_joules(er.total, e, sizeof e));
		dev_stats_add(total, &r->st);
	}
	return n;
}

static void html_body(FILE *f, const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans,
		      const struct rt_result *res, int nops)
{
	struct rp_op *ops = xcalloc((size_t)nops + 1, sizeof *ops);
	struct rp_stack *bars = xcalloc((size_t)nops + 1, sizeof *bars);
	struct dev_stats total = {0};
	int n = html_ops(hw, w, plans, res, nops, ops, bars, &total);
	struct hw_energy_report et;
	hw_energy_of(hw, &total.act, total.dram_read, total.dram_written, total.cycles, &et);
	char e[32], t[32];
	fputs("<h1>", f);
	rp_text(f, w->name);
	fputs(" on ", f);
	rp_text(f, hw->name);
	fprintf(f, "</h1>\n<p class=\"note\">%d ops on the accelerator, %d on the host; %" PRIu64 " cycles (%s at %g MHz), %s; "
		   "peak %g MACs/cycle, DRAM %u B/cycle.</p>\n", n, nops - n, total.cycles,
		rp_si((double)total.cycles / (hw->clock_mhz * 1e6), "s", t, sizeof t), hw->clock_mhz,
		cli_joules(et.total, e, sizeof e), hw_peak_macs_per_cycle(hw), hw->dram.bandwidth);
	struct rp_run run = {hw_peak_macs_per_cycle(hw), hw->dram.bandwidth, n, ops};
	fputs("<div class=\"row\">\n", f);
	rp_roofline(f, &run);
	rp_utilization(f, &run);
	fputs("</div>\n<h2>Energy by part, per op</h2>\n", f);
	rp_energy(f, bars, n);
	fputs("<h2>The ops on the accelerator</h2>\n", f);
	rp_ops_table(f, &run);
	for (int op = 0; op < nops; op++)
		if (res[op].on_host) {
			fputs("<p class=\"note\">On the host: ", f);
			rp_text(f, w->g.op[op].name);
			fputs(" — ", f);
			rp_text(f, plans[op].why);
			fputs("</p>\n", f);
		}
	for (int i = 0; i < n; i++)
		free((char *)bars[i].tip);
	free(bars);
	free(ops);
}

static int write_html(const char *path, const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans,
		      const struct rt_result *res, int nops, struct diags *err)
{
	struct out_file out = {0};
	FILE *f = out_open(&out, path, err);
	if (!f)
		return -1;
	char *title = xasprintf("tessel exec: %s on %s", w->name, hw->name);
	rp_begin(f, title);
	free(title);
	html_body(f, hw, w, plans, res, nops);
	rp_end(f);
	return out_commit(&out, err);
}

int cli_exec(int argc, char **argv)
{
	struct cli_opts o;
	struct dev_run_opts ro = {0};
	if (cli_take_limits("exec", &argc, argv, &ro))
		return CLI_USAGE;
	int rc = cli_parse("exec", argc, argv, CLI_OPT_HW | CLI_OPT_DEVICE | CLI_OPT_VERIFY | CLI_OPT_JSON | CLI_OPT_TRACE | CLI_OPT_DIMS | CLI_OPT_HTML, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	const char *devname = o.device ? o.device : "sim";
	const struct dev_ops *dev = dev_lookup(devname);
	if (!dev) {
		cli_usage_error("exec", "unknown device '%s'; expected sim or rtl", devname);
		return CLI_USAGE;
	}
	if (cli_check_outputs("exec", &o))
		return CLI_USAGE;
	struct hw hw;
	struct wl_workload w;
	if (cli_load_hw_workload(o.hw, o.pos[0], o.dims, &hw, &w))
		return CLI_BAD_INPUT;
	if (cli_check_workload_outputs("exec", &o, NULL, &w)) {
		wl_free(&w);
		return CLI_USAGE;
	}
	struct diags err = {0};
	/* --trace: the accelerator ops one after another on one timeline */
	struct out_file trace = {0};
	struct dev_trace tracer;
	dev_trace_init(&tracer, o.trace ? out_open(&trace, o.trace, &err) : NULL, NULL, NULL);
	ro.tracer = tracer.out ? &tracer : NULL;
	struct cc_plan *plans = xcalloc((size_t)w.g.nops + 1, sizeof *plans);
	struct rt_result *res = xcalloc((size_t)w.g.nops + 1, sizeof *res);
	uint8_t **t = rt_tensor_buffers(&w, &err);
	rc = err.n || !t || cc_plan_ops(&hw, &w.g, plans, &err) || rt_exec(&hw, &w, plans, dev, &ro, o.verify, t, res, &err) ? CLI_BAD_INPUT
												       : CLI_OK;
	int shown = w.g.nops; /* an op stopped at a limit ends the run: the ops until it */
	for (int op = 0; op < w.g.nops; op++)
		if (res[op].st.limit && shown == w.g.nops)
			shown = op + 1;
	if (rc == CLI_OK || shown < w.g.nops || (shown && res[shown - 1].st.limit)) {
		if (o.json)
			print_json(&hw, &w, plans, res, shown, o.verify, devname);
		else
			print_text(&hw, &w, plans, res, shown, o.verify, devname);
		for (int op = 0; op < w.g.nops; op++)
			if (o.verify && !res[op].on_host && !res[op].verified)
				rc = CLI_BAD_INPUT;
		if (o.html && write_html(o.html, &hw, &w, plans, res, shown, &err))
			rc = CLI_BAD_INPUT;
	}
	if (tracer.out) {
		dev_trace_end(&tracer);
		if (out_commit(&trace, &err))
			rc = CLI_BAD_INPUT;
	}
	cli_print_errors(&err, o.pos[0]);
	diag_free(&err);
	rt_free_buffers(&w, t);
	free(res);
	free(plans);
	wl_free(&w);
	return rc;
}
