/* One op of a workload built alone, as `tessel exec` builds each op, with
 * a mapping in place of its plan's. */
#ifndef TESSEL_TESTS_BUILD_ALONE_H
#define TESSEL_TESTS_BUILD_ALONE_H

#include "compiler/compile.h"
#include "ir/workload.h"

/* Op `op` of w with mapping m (plans: the workload's, left as they were;
 * data: its tensors' bytes, or NULL).  0, or -1 with the error printed. */
static inline int test_build_alone(const struct hw *hw, struct wl_workload *w, struct cc_plan *plans, int op,
				   const struct tz_mapping *m, uint8_t **data, struct cc_program *prog)
{
	struct diags err = {0};
	struct cc_plan keep = plans[op];
	plans[op].map = *m;
	struct cc_request rq = {.name = w->name, .g = &w->g, .plans = plans, .ops = &op, .nops = 1,
				.data = (const uint8_t *const *)data};
	int rc = cc_build(hw, &rq, prog, &err);
	plans[op] = keep;
	if (rc)
		diag_print(&err, stderr);
	diag_free(&err);
	return rc ? -1 : 0;
}

#endif
