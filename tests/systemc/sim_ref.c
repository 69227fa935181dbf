/* The reference for the SystemC tests: runs a program on the standalone C
 * simulator (dev_sim, as `tessel run` does), prints "cycles: N" and writes
 * its output segments to DUMP in tessel-tlm's --dump-outputs format: per
 * output segment a line "NAME SIZE", then its bytes in hex, 32 a line. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "device/device.h"
#include "cli/xalloc.h"
#include "sim/simulator.h"

static int dump_segment(FILE *f, struct device *d, const struct isa_segment *s, struct diags *err)
{
	uint8_t *b = xmalloc(s->size + 1);
	int rc = dev_sim.read(d, s->addr, b, s->size, err);
	if (!rc) {
		fprintf(f, "%s %" PRIu64 "\n", s->name, s->size);
		for (uint64_t i = 0; i < s->size; i++)
			fprintf(f, "%s%02x%s", i % 32 ? " " : "", b[i], (i + 1) % 32 && i + 1 < s->size ? "" : "\n");
	}
	free(b);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: tlm_sim_ref PROG.tsp DUMP\n", stderr);
		return 2;
	}
	struct isa_program p;
	struct diags err = {0};
	struct dev_stats st;
	struct device *d = NULL;
	FILE *f = NULL;
	int rc = isa_tsp_read(argv[1], &p, &err);
	if (!rc) {
		d = dev_sim.open(&p.hw, &err);
		rc = !d || dev_run_program(&dev_sim, d, &p, NULL, &st, &err);
	}
	if (!rc && !(f = fopen(argv[2], "w"))) {
		perror(argv[2]);
		rc = 1;
	}
	for (int i = 0; !rc && i < p.nseg; i++)
		if (p.seg[i].kind == ISA_SEG_OUTPUT)
			rc = dump_segment(f, d, &p.seg[i], &err);
	if (f && fclose(f))
		rc = 1;
	if (!rc)
		printf("cycles: %" PRIu64 "\n", st.cycles);
	diag_print(&err, stderr);
	diag_free(&err);
	dev_sim.close(d);
	isa_program_free(&p);
	return rc ? 1 : 0;
}
