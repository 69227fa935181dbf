/* embed_frames PROG.tsp IN.npy OUT.npy: a compiled model of batch one run
 * through the C API (api/tessel.h) on every row of IN in turn, as a
 * device would run the embedding model once per 80 ms audio frame: the
 * model is loaded once and the device keeps its host steps compiled
 * between runs.  OUT stacks the outputs; stdout gets one JSON line with
 * the runs, cycles and host-step seconds. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/tessel.h"
#include "base/npy.h"

static int fail(const char *what, const tessel_error *e)
{
	fprintf(stderr, "embed_frames: %s: %s\n", what, e ? e->message : "");
	return 1;
}

/* The model's one input and one output. */
static int ports(const tessel_model *m, tessel_tensor_info *in, tessel_tensor_info *out, tessel_error *e)
{
	int nin = 0, nout = 0;
	for (int i = 0; i < tessel_model_tensor_count(m); i++) {
		tessel_tensor_info t;
		if (tessel_model_tensor(m, i, &t, e))
			return -1;
		if (t.role == TESSEL_INPUT)
			*in = t, nin++;
		else
			*out = t, nout++;
	}
	return nin == 1 && nout == 1 && in->dtype == TESSEL_FP32 && out->dtype == TESSEL_FP32 && in->shape[0] == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: embed_frames PROG.tsp IN.npy OUT.npy\n");
		return 2;
	}
	tessel_error e;
	tessel_model *m;
	tessel_device *d;
	tessel_tensor_info in, out;
	if (tessel_model_load(argv[1], NULL, &m, &e))
		return fail(argv[1], &e);
	if (ports(m, &in, &out, &e))
		return fail("expected one float32 input of batch 1 and one float32 output", NULL);
	if (tessel_device_open("sim", tessel_model_hw(m), &d, &e))
		return fail("sim", &e);
	struct npy x;
	struct diags err = {0};
	if (npy_read(argv[2], &x, &err) || x.dtype != DT_FP32 || x.rank != in.rank || x.bytes % in.bytes)
		return fail("IN.npy: expected float32 rows of the model's input", NULL);
	int64_t rows = (int64_t)(x.bytes / in.bytes);
	uint8_t *y = calloc((size_t)rows, out.bytes);
	uint64_t cycles = 0;
	double host = 0;
	for (int64_t r = 0; r < rows; r++) {
		tessel_stats s;
		if (tessel_model_set_input(m, in.name, in.dtype, in.rank, in.shape, x.data + (size_t)r * in.bytes, in.bytes, &e) ||
		    tessel_run(d, m, NULL, &s, &e) || tessel_get_output(d, m, out.name, y + (size_t)r * out.bytes, out.bytes, &e))
			return fail("run", &e);
		cycles += s.cycles;
		host += s.host_seconds;
	}
	int64_t shape[8];
	memcpy(shape, out.shape, sizeof *shape * (size_t)out.rank);
	shape[0] = rows;
	if (npy_write(argv[3], DT_FP32, out.rank, shape, y, &err))
		return fail(argv[3], NULL);
	printf("{\"runs\":%" PRId64 ",\"cycles\":%" PRIu64 ",\"host_seconds\":%.6f}\n", rows, cycles, host);
	free(y);
	npy_free(&x);
	tessel_device_close(d);
	tessel_model_free(m);
	return 0;
}
