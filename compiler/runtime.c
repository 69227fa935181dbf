/* compiler/runtime: a workload run op by op on a device, each accelerator
 * op checked against the LLVM host backend on the very same inputs.
 *
 * Each accelerator op becomes its own program (inputs packed on the host
 * from the tensors as they are at that point, the output unpacked back), so
 * every op reports its own cycles and an op's result feeds the next op
 * whatever layout each binding packs. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/value.h"
#include "compile.h"
#include "device/trace.h"
#include "host.h"

uint8_t **rt_tensor_buffers(const struct wl_workload *w, struct diags *err)
{
	uint8_t **t = try_calloc((size_t)w->g.ntensors + 1, sizeof *t);
	if (!t) {
		diag_nomem(err, NULL, ((size_t)w->g.ntensors + 1) * sizeof *t, "the tensors of '%s'", w->name);
		return NULL;
	}
	for (int i = 0; i < w->g.ntensors; i++) {
		size_t n = wl_tensor_bytes(w, i);
		if (!(t[i] = try_calloc(n ? n : 1, 1))) {
			diag_nomem(err, NULL, n, "tensor '%s'", w->g.tensor[i].name);
			rt_free_buffers(w, t);
			return NULL;
		}
		wl_tensor_fill(w, i, t[i]); /* random data is made here, not at load */
	}
	return t;
}

void rt_free_buffers(const struct wl_workload *w, uint8_t **t)
{
	if (!t)
		return;
	for (int i = 0; i < w->g.ntensors; i++)
		free(t[i]);
	free(t);
}

int rt_host_all(const struct wl_workload *w, uint8_t **t, struct diags *err)
{
	struct host_jit *j = host_jit_open(err);
	if (!j)
		return -1;
	int rc = 0;
	for (int op = 0; op < w->g.nops && !rc; op++)
		rc = host_run_op(j, &w->g, op, (void *const *)t, err);
	host_jit_close(j);
	return rc;
}

/* "[0, 3, 17, 5]" */
static void coords(const struct ir_tensor *t, int64_t flat, char *out, size_t n)
{
	int64_t c[IR_MAX_RANK];
	for (int d = t->rank - 1; d >= 0; d--)
		c[d] = flat % t->shape[d], flat /= t->shape[d];
	size_t k = (size_t)snprintf(out, n, "[");
	for (int d = 0; d < t->rank && k < n; d++)
		k += (size_t)snprintf(out + k, n - k, "%s%" PRId64, d ? ", " : "", c[d]);
	if (k < n)
		snprintf(out + k, n - k, "]");
}

/* Device result against the host's: integers exactly, floats within the
 * tolerance. */
static void compare(const struct ir_tensor *t, const uint8_t *dev, const uint8_t *ref, struct rt_result *r)
{
	int64_t n = ir_tensor_elems(t);
	bool flt = dtype_float(t->dtype);
	r->verified = true;
	r->max_error = 0;
	for (int64_t i = 0; i < n; i++) {
		double a = val_get_float(dev, t->dtype, (uint64_t)i), b = val_get_float(ref, t->dtype, (uint64_t)i);
		bool same = flt ? (isnan(a) && isnan(b)) || a == b : a == b;
		double e = same ? 0 : fabs(a - b) / fmax(1.0, fabs(b));
		if (flt && isnan(e))
			e = INFINITY;
		if (e > r->max_error)
			r->max_error = e;
		if (r->verified && (flt ? e > RT_FLOAT_TOLERANCE : !same)) {
			char at[96];
			coords(t, i, at, sizeof at);
			snprintf(r->mismatch, sizeof r->mismatch, "%s%s: device %.9g, host %.9g", t->name, at, a, b);
			r->verified = false;
		}
	}
}

/* One accelerator op as its own program on the device (*dp, opened on first
 * use and reused: opening one allocates all of its DRAM). */
static int run_on_device(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans, int op,
			 const struct dev_ops *dev, const struct dev_run_opts *ro, struct device **dp, uint8_t **t,
			 struct rt_result *r, struct diags *err)
{
	const struct ir_graph *g = &w->g;
	struct cc_request rq = {.name = w->name, .g = g, .plans = plans, .ops = &op, .nops = 1,
				.data = (const uint8_t *const *)t};
	struct cc_program prog;
	int rc = cc_build(hw, &rq, &prog, err);
	if (!rc && !*dp && !(*dp = dev->open(&prog.p.hw, err)))
		rc = -1;
	struct device *d = *dp;
	/* a trace names the op of each instruction: the compiler knows it */
	bool naming = ro && ro->tracer && !rc;
	const char **names = naming ? try_calloc((size_t)prog.p.ninsn + 1, sizeof *names) : NULL;
	if (naming && !names)
		rc = diag_nomem(err, NULL, ((size_t)prog.p.ninsn + 1) * sizeof *names, "the op names of op '%s''s trace",
				g->op[op].name);
	for (int i = 0; names && i < prog.p.ninsn; i++)
		names[i] = prog.op_of_insn[i] >= 0 ? g->op[prog.op[prog.op_of_insn[i]].op].name : NULL;
	if (names)
		ro->tracer->p = &prog.p, ro->tracer->op_of_insn = names;
	rc = rc || dev_run_program(dev, d, &prog.p, ro, &r->st, err);
	if (r->st.limit) /* stopped: the MACs done until then, as tessel run counts them, not the op's */
		r->macs = r->st.macs;
	if (names)
		ro->tracer->p = NULL, ro->tracer->op_of_insn = NULL;
	free(names);
	if (!rc) {
		const struct isa_segment *s = &prog.p.seg[prog.op[0].out_segment];
		uint8_t *packed = try_malloc(s->size);
		rc = packed ? dev->read(d, s->addr, packed, s->size, err)
			    : diag_nomem(err, NULL, s->size, "the output of op '%s'", g->op[op].name);
		if (!rc)
			cc_unpack(&prog, 0, packed, t[g->op[op].out.tensor]);
		free(packed);
	}
	cc_program_free(&prog);
	return rc;
}

/* The op's binding and mapping as text, for the result; 0, or -1 with an
 * error when out of memory. */
static int describe(const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *pl,
		    struct rt_result *r, struct diags *err)
{
	struct strbuf binding = {0}, mapping = {0};
	cc_plan_format(hw, g, op, pl, &binding, &mapping);
	size_t want = binding.want + mapping.want;
	char *b = sb_take(&binding), *m = sb_take(&mapping);
	int rc = b && m ? 0 : diag_nomem(err, NULL, want, "the description of op '%s'", g->op[op].name);
	if (!rc) {
		snprintf(r->binding, sizeof r->binding, "%s", b);
		snprintf(r->mapping, sizeof r->mapping, "%s", m);
	}
	free(b);
	free(m);
	return rc;
}

int rt_exec(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans,
	    const struct dev_ops *dev, const struct dev_run_opts *ro, bool verify, uint8_t **t, struct rt_result *res,
	    struct diags *err)
{
	const struct ir_graph *g = &w->g;
	struct host_jit *j = host_jit_open(err);
	if (!j)
		return -1;
	int rc = 0;
	struct device *d = NULL;
	for (int op = 0; op < g->nops && !rc; op++) {
		struct rt_result *r = &res[op];
		memset(r, 0, sizeof *r);
		r->macs = ir_op_macs(&g->op[op]);
		r->roofline = cc_roofline_cycles(hw, g, op);
		r->on_host = plans[op].kind == CC_HOST;
		int out = g->op[op].out.tensor;
		if (r->on_host) {
			snprintf(r->binding, sizeof r->binding, "host");
			rc = host_run_op(j, g, op, (void *const *)t, err);
			r->verified = rc == 0;
			continue;
		}
		if ((rc = describe(hw, g, op, &plans[op], r, err)))
			break;
		size_t bytes = wl_tensor_bytes(w, out);
		uint8_t *ref = NULL, *keep = t[out];
		if (verify && !(ref = try_calloc(bytes ? bytes : 1, 1)))
			rc = diag_nomem(err, NULL, bytes, "the host's answer for op '%s'", g->op[op].name);
		else if (verify) { /* the host's answer from the same inputs */
			t[out] = ref;
			rc = host_run_op(j, g, op, (void *const *)t, err);
			t[out] = keep;
		}
		rc = rc || run_on_device(hw, w, plans, op, dev, ro, &d, t, r, err);
		if (!rc && verify)
			compare(&g->tensor[out], t[out], ref, r);
		free(ref);
	}
	if (d)
		dev->close(d);
	host_jit_close(j);
	return rc;
}

uint8_t **rt_host_tensors(const struct wl_workload *w, struct diags *err)
{
	uint8_t **t = rt_tensor_buffers(w, err);
	if (t && rt_host_all(w, t, err)) {
		rt_free_buffers(w, t);
		return NULL;
	}
	return t;
}
