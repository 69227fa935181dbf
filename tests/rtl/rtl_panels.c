/* rtl_panels: GEMMs on server-wide in mappings that keep the inner block
 * loop's operand in panels of the shared level (tz_mapping's `panel`: a
 * panel loop outermost, each panel loaded into the one area the level gives
 * it), co-simulated on the C simulator and the RTL: the same DRAM, byte for
 * byte, and the same statistics, cycles first.  Both orders, each operand
 * in panels, the other kept whole or staged. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "compiler/compile.h"
#include "device/cosim.h"
#include "ir/workload.h"
#include "rtl/rtl.h"
#include "sim/simulator.h"
#include "tensorize/search.h"

static const char workload[] =
	"name: panels\n"
	"seed: 5\n"
	"tensors:\n"
	"  - {name: a, shape: [96, 256], dtype: int8}\n"
	"  - {name: b, shape: [256, 160], dtype: int8}\n"
	"  - {name: bias, shape: [160], dtype: int32, range: [-500, 500]}\n"
	"ops:\n"
	"  - {name: mm, op: matmul, a: a, b: b, dtype: int8, epilogue: [{bias: bias}, {shr: 7}, {clip: [-128, 127]}]}\n";

/* A mapping of the space in order n_outer keeping its inner operand, and
 * the outer one or not (`outer_kept`), with the inner operand in panels
 * of half its blocks (the space has panels only where an operand does not
 * fit whole; these fit, so they are made here); false when none fits. */
static bool pick(const struct tz_space *s, bool n_outer, bool outer_kept, struct tz_mapping *out)
{
	char why[256];
	int64_t best = 0; /* the largest blocks, double-buffered: the fewest cycles for the RTL to run */
	for (int64_t i = 0; i < s->n; i++) {
		struct tz_mapping m = s->m[i];
		const struct tz_geometry *geo = &s->geo[s->geo_of[i]];
		int64_t inner = n_outer ? (geo->count[TZ_G_M] + m.bm - 1) / m.bm : (geo->count[TZ_G_N] + m.bn - 1) / m.bn;
		if (m.direct || m.n_outer != n_outer || !(n_outer ? m.keep_a : m.keep_b) ||
		    (n_outer ? m.keep_b : m.keep_a) != outer_kept || inner < 3 || m.ring_a + m.ring_b < 4 ||
		    m.bm * m.bn * m.bk <= best)
			continue;
		m.panel = (inner + 1) / 2;
		if (!tz_mapping_check(geo, &m, why))
			*out = m, best = m.bm * m.bn * m.bk;
	}
	return best > 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: rtl_panels SERVER-WIDE.yaml\n");
		return 2;
	}
	struct hw hw;
	struct wl_workload w;
	struct diags err = {0};
	if (hw_load_file(argv[1], &hw, &err) || wl_load_string(workload, "panels.yaml", &w, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	struct cc_plan plan;
	struct tz_match match;
	struct tz_space s;
	uint8_t **data = rt_tensor_buffers(&w, &err);
	if (!data || cc_plan_ops(&hw, &w.g, &plan, &err) || tz_match_op(&hw, &w.g, 0, &match) ||
	    tz_space_build(&hw, &w.g, 0, &match, &s, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	int failed = 0, ran = 0;
	for (int c = 0; c < 4; c++) {
		struct tz_mapping picked;
		const struct tz_mapping *m = &picked;
		if (!pick(&s, c & 1, c >> 1, &picked)) {
			printf("no mapping in order %s with the outer operand %s\n", c & 1 ? "nm" : "mn", c >> 1 ? "kept" : "staged");
			failed++;
			continue;
		}
		plan.map = *m;
		int op = 0;
		struct cc_request rq = {.name = w.name, .g = &w.g, .plans = &plan, .ops = &op, .nops = 1,
					.data = (const uint8_t *const *)data};
		struct cc_program prog;
		struct cosim_result res = {0};
		struct strbuf f = {0};
		tz_mapping_format(m, &f);
		if (cc_build(&hw, &rq, &prog, &err) || cosim_program(&prog.p, &dev_sim, &dev_rtl, &res, &err)) {
			printf("%s: %s\n", f.s, res.what[0] ? res.what : "cannot run");
			diag_print(&err, stdout);
			diag_free(&err);
			err = (struct diags){0};
			failed++;
		} else {
			printf("%s: sim and rtl agree, %" PRIu64 " cycles, %" PRIu64 " bytes of DRAM compared\n", f.s,
			       res.ref.cycles, res.bytes_compared);
			ran++;
		}
		sb_free(&f);
		cc_program_free(&prog);
	}
	tz_space_free(&s);
	tz_match_free(&match);
	rt_free_buffers(&w, data);
	wl_free(&w);
	printf("%d panel mappings co-simulated, %d failed\n", ran, failed);
	return failed ? 1 : 0;
}
