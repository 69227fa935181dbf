/* quant/run: a model's bytes run on the host over samples.  The workload
 * and its compiled ops are kept from one sample to the next while the
 * symbolic dimensions the samples give stay the same. */
#include <stdlib.h>
#include <string.h>

#include "quant_int.h"
#include "compiler/compile.h"

void qz_run_close(struct qz_run *r)
{
	if (!r->open)
		return;
	rt_free_buffers(&r->w, r->t);
	if (r->j)
		host_jit_close(r->j);
	wl_free(&r->w);
	memset(r, 0, sizeof *r);
}

int qz_run_open(struct qz_run *r, const uint8_t *bytes, size_t len, const char *path, const char *dims,
		struct diags *err)
{
	if (r->open && !strcmp(r->dims, dims))
		return 0;
	qz_run_close(r);
	if (wl_load_onnx_bytes(bytes, len, path, dims[0] ? dims : NULL, &r->w, err))
		return -1;
	r->open = true;
	snprintf(r->dims, sizeof r->dims, "%s", dims);
	if (!(r->t = rt_tensor_buffers(&r->w, err)) || !(r->j = host_jit_open(err)))
		return -1;
	for (int op = 0; op < r->w.g.nops; op++)
		if (host_compile(r->j, &r->w.g, op, err))
			return -1;
	return 0;
}

int qz_run_sample(struct qz_run *r, const char *input, const struct npy *x, struct diags *err)
{
	int t = ir_tensor_lookup(&r->w.g, input);
	if (t < 0 || wl_tensor_bytes(&r->w, t) != x->bytes) {
		diag_add(err, r->w.file, 0, 0, "input '%s' does not take the sample's %llu bytes", input,
			 (unsigned long long)x->bytes);
		return -1;
	}
	memcpy(r->t[t], x->data, x->bytes);
	for (int op = 0; op < r->w.g.nops; op++)
		if (host_run_op(r->j, &r->w.g, op, (void *const *)r->t, err))
			return -1;
	return 0;
}

const struct ir_tensor *qz_run_tensor(const struct qz_run *r, const char *name)
{
	int t = ir_tensor_lookup(&r->w.g, name);
	return t < 0 ? NULL : &r->w.g.tensor[t];
}

const float *qz_run_values(const struct qz_run *r, const char *name, int64_t *n)
{
	int t = ir_tensor_lookup(&r->w.g, name);
	if (t < 0 || r->w.g.tensor[t].dtype != DT_FP32)
		return NULL;
	*n = ir_tensor_elems(&r->w.g.tensor[t]);
	return (const float *)r->t[t];
}
