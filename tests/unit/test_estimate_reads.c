/* The analytical estimate of an op's DRAM reads (tz_estimate_dram_read)
 * against what its program loads: every op of resnet18, mobilenet-dw and
 * resblock on three descriptions, in its planned mapping and the GEMM
 * form's and the direct form's defaults.  The loads are counted from the
 * compiled program's instructions (isa_program_data_bytes: each data
 * load's rows times columns times the element's bytes, what the simulator
 * counts, unit.test_dram_budget), apart from the estimate.  The estimate is an
 * upper bound, close: it takes every box whole with its halo, where the
 * boxes at the tensor's border read less, so it may exceed the loads but
 * never fall short of them (the planner takes a mapping for reading no more
 * than another on it).  It fell short by up to 1.6x where the bias was
 * counted once instead of once per output block. */
#include <inttypes.h>
#include <string.h>

#include "build_alone.h"
#include "test.h"

/* Op `op` built alone with mapping m; 1 when its loads are at most the
 * estimate and the estimate at most 1.25 times them. */
static int check(const struct hw *hw, struct wl_workload *w, struct cc_plan *plans, int op, const struct tz_mapping *m,
		 uint8_t **data, int *biased)
{
	struct cc_program prog;
	if (test_build_alone(hw, w, plans, op, m, data, &prog))
		return 0;
	struct tz_geometry geo;
	tz_geometry_init(&geo, hw, &w->g, op, &m->b);
	double est = tz_estimate_dram_read(&geo, m);
	uint64_t got = isa_program_data_bytes(&prog.p);
	cc_program_free(&prog);
	*biased += geo.bias >= 0;
	struct strbuf s = {0};
	tz_mapping_format(m, &s);
	printf("%-8s %-6s %-44s estimate %9.0f loads %9" PRIu64 "%s\n", hw->name, w->g.op[op].name, s.s ? s.s : "", est,
	       got, geo.bias >= 0 ? " (bias)" : "");
	sb_free(&s);
	return (double)got <= est && est <= 1.25 * (double)got;
}

int main(void)
{
	const char *src = getenv("TESSEL_SOURCE_DIR");
	static const char *const hws[] = {"vta-default", "dot-i8", "edge-tiny"};
	static const char *const wls[] = {"resnet18", "mobilenet-dw", "resblock"};
	int checked = 0, within = 0, biased = 0;
	for (size_t h = 0; h < sizeof hws / sizeof *hws; h++)
		for (size_t k = 0; k < sizeof wls / sizeof *wls; k++) {
			char path[512];
			struct diags err = {0};
			struct hw hw;
			struct wl_workload w;
			snprintf(path, sizeof path, "%s/examples/hw/%s.yaml", src ? src : ".", hws[h]);
			ASSERT_EQ(hw_load_file(path, &hw, &err), 0);
			snprintf(path, sizeof path, "%s/examples/workloads/%s.yaml", src ? src : ".", wls[k]);
			ASSERT_EQ(wl_load_file(path, &w, &err), 0);
			struct cc_plan *plans = xcalloc((size_t)w.g.nops, sizeof *plans);
			ASSERT_EQ(cc_plan_ops(&hw, &w.g, plans, &err), 0);
			uint8_t **data = rt_tensor_buffers(&w, &err);
			ASSERT(data != NULL);
			for (int op = 0; op < w.g.nops; op++) {
				if (plans[op].kind != CC_GEMM)
					continue;
				struct tz_geometry geo;
				struct tz_mapping m;
				char why[256];
				tz_geometry_init(&geo, &hw, &w.g, op, &plans[op].map.b);
				checked++, within += check(&hw, &w, plans, op, &plans[op].map, data, &biased);
				if (!tz_default_mapping(&geo, &m, why))
					checked++, within += check(&hw, &w, plans, op, &m, data, &biased);
				if (geo.dir.ok && !tz_default_direct(&geo, &m, why))
					checked++, within += check(&hw, &w, plans, op, &m, data, &biased);
			}
			rt_free_buffers(&w, data);
			free(plans);
			wl_free(&w);
			diag_free(&err);
		}
	printf("%d of %d mappings' loads within their estimate and 1/1.25 of it; %d with a bias\n", within, checked, biased);
	ASSERT(biased > 0);
	ASSERT_EQ(within, checked);
	return test_done("estimate_reads");
}
