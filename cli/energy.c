/* The energy of a run as every command prints it (docs/energy.md): text
 * with SI prefixes, and the `energy` object of --json documents. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "cli.h"
#include "device/device.h"
#include "hwdesc/energy.h"

const char *cli_joules(double pj, char *buf, size_t size)
{
	static const char *const unit[] = {"pJ", "nJ", "uJ", "mJ", "J"};
	int u = 0;
	while (u < 4 && fabs(pj) >= 1000)
		pj /= 1000, u++;
	snprintf(buf, size, "%.4g %s", pj, unit[u]);
	return buf;
}

void cli_energy_text(const struct hw *hw, const struct dev_stats *st)
{
	struct hw_energy_report r;
	char b[32];
	hw_energy_of(hw, &st->act, st->dram_read, st->dram_written, st->cycles, &r);
	printf("energy        %s (%s)\n             ", cli_joules(r.total, b, sizeof b),
	       hw->energy.given ? "the description's picojoules, defaults where it gives none" : "default picojoules, 45 nm");
	for (int p = 0; p < HW_ENERGY_PART_COUNT; p++)
		printf(" %s %s", hw_energy_part_name((enum hw_energy_part)p), cli_joules(r.part[p], b, sizeof b));
	printf("\n              on-chip by level:");
	for (int l = 0; l < hw->nlevels; l++)
		printf(" %s %s", hw->level[l].name, cli_joules(r.level[l], b, sizeof b));
	printf("\n");
}

void cli_energy_json(FILE *out, const struct hw *hw, const struct dev_stats *st)
{
	struct hw_energy_report r;
	hw_energy_of(hw, &st->act, st->dram_read, st->dram_written, st->cycles, &r);
	fprintf(out, "{\"total_pj\":%.17g,\"defaults\":%s", r.total, hw->energy.given ? "false" : "true");
	for (int p = 0; p < HW_ENERGY_PART_COUNT; p++)
		fprintf(out, ",\"%s_pj\":%.17g", hw_energy_part_name((enum hw_energy_part)p), r.part[p]);
	fprintf(out, ",\"levels\":{");
	for (int l = 0; l < hw->nlevels; l++) {
		fprintf(out, "%s", l ? "," : "");
		cli_json_string(out, hw->level[l].name);
		fprintf(out, ":%.17g", r.level[l]);
	}
	fprintf(out, "}}");
}

/* The counts energy is computed from, named by level, op and intrinsic. */
void cli_actions_json(FILE *out, const struct hw *hw, const struct dev_stats *st)
{
	const char *what[] = {"reads", "writes"};
	const uint64_t *count[] = {st->act.reads, st->act.writes};
	fprintf(out, "{\"macs\":{");
	for (int i = 0; i < hw->nintrinsics; i++) {
		fprintf(out, "%s", i ? "," : "");
		cli_json_string(out, hw->intrinsic[i].name);
		fprintf(out, ":%" PRIu64, st->act.macs[i]);
	}
	for (int k = 0; k < 2; k++) {
		fprintf(out, "},\"%s\":{", what[k]);
		for (int l = 0; l < hw->nlevels; l++) {
			fprintf(out, "%s", l ? "," : "");
			cli_json_string(out, hw->level[l].name);
			fprintf(out, ":%" PRIu64, count[k][l]);
		}
	}
	fprintf(out, "},\"alu\":{");
	int n = 0;
	for (int op = 0; op < HW_ALU_OP_COUNT; op++)
		if (hw->alu.ops & (1u << op))
			fprintf(out, "%s\"%s\":%" PRIu64, n++ ? "," : "", hw_alu_op_name((enum hw_alu_op)op), st->act.alu[op]);
	fprintf(out, "}}");
}
