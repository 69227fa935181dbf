/* tessel run: a program on a device, and what it did: cycles, activity of
 * each module, DRAM traffic, instructions by kind, MACs and utilization. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/npy.h"
#include "base/output.h"
#include "device/device.h"
#include "device/trace.h"
#include "cli.h"
#include "compiler/compile.h"
#include "compiler/devices.h"

static double utilization(const struct dev_stats *st)
{
	return st->cycles && st->peak_macs_per_cycle > 0 ? (double)st->macs / ((double)st->cycles * st->peak_macs_per_cycle)
							  : 0.0;
}

static void print_json(const char *path, const char *device, const struct isa_program *p, const struct dev_stats *st)
{
	cli_json_begin(stdout, "run");
	printf(",\"program\":");
	cli_json_string(stdout, path);
	printf(",\"hardware\":");
	cli_json_string(stdout, p->hw.name);
	printf(",\"device\":");
	cli_json_string(stdout, device);
	printf(",\"cycles\":%" PRIu64 ",\"modules\":{", st->cycles);
	for (int m = 0; m < DEV_MODULE_COUNT; m++) {
		uint64_t idle = st->cycles - (st->busy[m] + st->stall[m] < st->cycles ? st->busy[m] + st->stall[m] : st->cycles);
		printf("%s\"%s\":{\"busy\":%" PRIu64 ",\"stall\":%" PRIu64 ",\"idle\":%" PRIu64 "}", m ? "," : "",
		       dev_module_name(m), st->busy[m], st->stall[m], idle);
	}
	printf("},\"dram\":{\"read_bytes\":%" PRIu64 ",\"written_bytes\":%" PRIu64 ",\"busy_cycles\":%" PRIu64
	       ",\"program_read_bytes\":",
	       st->dram_read, st->dram_written, st->dram_busy);
	if (st->limit == DEV_LIMIT_NONE)
		printf("%" PRIu64 "}", isa_program_code_bytes(p));
	else
		printf("null}");
	printf(",\"instructions\":{\"total\":%" PRIu64, st->insns_total);
	for (int k = 0; k < p->layout.nkinds; k++)
		printf(",\"%s\":%" PRIu64, p->layout.kind[k].mnemonic, st->insns[k]);
	printf("},\"macs\":%" PRIu64 ",\"peak_macs_per_cycle\":%.17g,\"utilization\":%.6f,\"stopped\":", st->macs,
	       st->peak_macs_per_cycle, utilization(st));
	cli_json_string(stdout, st->limit == DEV_LIMIT_CYCLES ? "max-cycles" : st->limit == DEV_LIMIT_SECONDS ? "max-seconds" : NULL);
	printf(",\"host_seconds\":%.9f,\"actions\":", st->host_seconds);
	cli_actions_json(stdout, &p->hw, st);
	printf(",\"energy\":");
	cli_energy_json(stdout, &p->hw, st);
	printf("}\n");
}

static void print_text(const char *path, const char *device, const struct isa_program *p, const struct dev_stats *st)
{
	printf("%s on %s (device %s)\n", path, p->hw.name, device);
	printf("cycles        %" PRIu64 " (%.6g us at %.6g MHz)\n", st->cycles, (double)st->cycles / p->hw.clock_mhz,
	       p->hw.clock_mhz);
	printf("module        busy      stall     idle\n");
	for (int m = 0; m < DEV_MODULE_COUNT; m++) {
		uint64_t used = st->busy[m] + st->stall[m];
		printf("  %-9s %-9" PRIu64 " %-9" PRIu64 " %" PRIu64 "\n", dev_module_name(m), st->busy[m], st->stall[m],
		       st->cycles > used ? st->cycles - used : 0);
	}
	printf("dram          read %" PRIu64 " B, written %" PRIu64 " B, bus busy %" PRIu64 " cycles\n", st->dram_read,
	       st->dram_written, st->dram_busy);
	if (st->limit == DEV_LIMIT_NONE) /* a whole run fetches each instruction once */
		printf("              of the read, %" PRIu64 " B the program's instructions and micro-ops\n",
		       isa_program_code_bytes(p));
	printf("instructions  %" PRIu64 ":", st->insns_total);
	for (int k = 0; k < p->layout.nkinds; k++)
		if (st->insns[k])
			printf(" %s %" PRIu64, p->layout.kind[k].mnemonic, st->insns[k]);
	printf("\nMACs          %" PRIu64 "; utilization %.2f%% of %.6g MACs/cycle\n", st->macs, 100.0 * utilization(st),
	       st->peak_macs_per_cycle);
	cli_energy_text(&p->hw, st);
	int n[3] = {0}; /* runs, gathers, host ops */
	for (int i = 0; i < p->nstep; i++)
		n[p->step[i].kind == ISA_STEP_RUN ? 0 : p->step[i].kind == ISA_STEP_GATHER ? 1 : 2]++;
	if (p->nstep)
		printf("steps         %d runs (the figures above: theirs summed); between them %d gathers and %d host ops, "
		       "%.3f ms on the host\n", n[0], n[1], n[2], 1e3 * st->host_seconds);
}

/* An output segment named `name` of a program without tensors (one `tessel
 * asm` wrote, whose results are its output segments' bytes): its index, or -1. */
static int output_segment(const struct isa_program *p, const char *name)
{
	for (int s = 0; !p->nport && s < p->nseg; s++)
		if (p->seg[s].kind == ISA_SEG_OUTPUT && !strcmp(p->seg[s].name, name))
			return s;
	return -1;
}

/* --input: each tensor into the segments it is packed into; --output:
 * each tensor's port (or -2 - s for output segment s), checked before the
 * run.  0, or -1 with errors. */
static int give_inputs(struct isa_program *p, const struct cli_tensors *io, int *out_port, struct diags *err)
{
	for (int i = 0; i < io->n; i++) {
		const struct cli_tensor_arg *t = &io->v[i];
		int s = t->output ? output_segment(p, t->name) : -1;
		if (s >= 0)
			out_port[i] = -2 - s;
		else if (t->output)
			out_port[i] = isa_program_output_port(p, t->name, err);
		else
			isa_program_input_npy(p, t->name, t->file, err);
	}
	return err->n ? -1 : 0;
}

/* --output: each tensor from the device's DRAM into its .npy file. */
static void take_outputs(const struct dev_ops *ops, struct device *d, const struct isa_program *p,
			 const struct cli_tensors *io, const int *out_port, struct diags *err)
{
	for (int i = 0; i < io->n && !err->n; i++) {
		if (!io->v[i].output)
			continue;
		if (out_port[i] <= -2) { /* a segment's bytes, as uint8 */
			const struct isa_segment *sg = &p->seg[-2 - out_port[i]];
			uint8_t *bytes = xmalloc((size_t)sg->size + 1);
			int64_t n = (int64_t)sg->size;
			if (!ops->read(d, sg->addr, bytes, sg->size, err))
				npy_write(io->v[i].file, DT_UINT8, 1, &n, bytes, err);
			free(bytes);
			continue;
		}
		const struct isa_port *pt = &p->port[out_port[i]];
		uint8_t *tensor = xmalloc((size_t)isa_port_bytes(pt) + 1);
		if (!dev_read_output(ops, d, p, out_port[i], tensor, err))
			isa_port_write_npy(pt, tensor, io->v[i].file, err);
		free(tensor);
	}
}

static int run(int argc, char **argv, const struct cli_tensors *io)
{
	struct cli_opts o;
	struct dev_run_opts ro = {0};
	if (cli_take_limits("run", &argc, argv, &ro))
		return CLI_USAGE;
	int rc = cli_parse("run", argc, argv, CLI_OPT_HW | CLI_OPT_DEVICE | CLI_OPT_JSON | CLI_OPT_TRACE | CLI_OPT_WAVES, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	const char *devname = o.device ? o.device : "sim";
	const struct dev_ops *ops = dev_lookup(devname);
	if (!ops) {
		cli_usage_error("run", "unknown device '%s'; expected sim or rtl", devname);
		return CLI_USAGE;
	}
	if (o.waves && strcmp(devname, "rtl")) {
		cli_usage_error("run", "--waves needs --device rtl (the simulator has no signals)");
		return CLI_USAGE;
	}
	if (cli_check_outputs("run", &o) || cli_check_tensor_outputs("run", io, &o))
		return CLI_USAGE;
	struct isa_program p;
	if (cli_load_program(o.pos[0], o.hw, &p))
		return CLI_BAD_INPUT;
	struct diags err = {0};
	int *out_port = xcalloc((size_t)io->n + 1, sizeof *out_port);
	give_inputs(&p, io, out_port, &err);
	/* the trace and the waves are written beside their paths and renamed
	 * into place once the run is over */
	struct out_file trace = {0}, waves = {0};
	struct dev_trace tracer; /* one document over the program's runs, naming its segments */
	if (o.trace)
		ro.trace = out_open(&trace, o.trace, &err);
	dev_trace_init(&tracer, ro.trace, &p, NULL);
	ro.tracer = ro.trace ? &tracer : NULL;
	if (o.waves && !err.n && out_open(&waves, o.waves, &err))
		ro.waves = out_detach(&waves);
	struct device *d = err.n ? NULL : ops->open(&p.hw, &err);
	struct dev_stats st = {0};
	struct cc_host_runner host; /* the program's host steps, if any */
	cc_host_runner_init(&host);
	ro.host = &host.dev;
	int ran = d ? dev_run_program(ops, d, &p, &ro, &st, &err) : -1;
	cc_host_runner_close(&host);
	if (!ran)
		take_outputs(ops, d, &p, io, out_port, &err);
	if (!ran || (d && st.limit)) { /* stopped at a limit: what it did until then */
		if (o.json)
			print_json(o.pos[0], devname, &p, &st);
		else
			print_text(o.pos[0], devname, &p, &st);
	}
	/* a run that stopped (at a limit, a deadlock) leaves a whole trace too,
	 * which shows where; one that never started leaves none */
	if (ro.trace && d)
		dev_trace_end(&tracer);
	if (ro.trace)
		d ? out_commit(&trace, &err) : (out_abort(&trace), 0);
	if (ro.waves)
		d ? out_commit(&waves, &err) : (out_abort(&waves), 0);
	if (d)
		ops->close(d);
	isa_program_free(&p);
	free(out_port);
	rc = err.n ? CLI_BAD_INPUT : CLI_OK;
	cli_print_errors(&err, o.pos[0]);
	diag_free(&err);
	return rc;
}

int cli_run(int argc, char **argv)
{
	struct cli_tensors io;
	int rc = cli_take_tensors("run", &argc, argv, &io);
	if (!rc)
		rc = run(argc, argv, &io);
	cli_free_tensors(&io);
	return rc;
}
