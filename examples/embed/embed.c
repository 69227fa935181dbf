/* embed: a C program that runs a compiled tessel model through the public
 * API (tessel.h) — what a vendor's tool would do to run a model on the
 * simulator or the RTL.
 *
 *   embed MODEL.tsp [sim|rtl] [NAME=IN.npy ...] [NAME=OUT.npy ...]
 *
 * Lists the model's tensors, gives each NAME=FILE that names an input from
 * its .npy file, runs, prints the statistics and a checksum of every
 * output, and writes each NAME=FILE that names an output.  Build it with
 *   cc embed.c $(pkg-config --cflags --libs tessel) -o embed */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tessel.h>

static int failed(const tessel_error *err)
{
	fprintf(stderr, "embed: %s\n", err->message);
	return err->status == TESSEL_BAD_USAGE ? 2 : 1;
}

/* FNV-1a: a checksum to print, not a hash to trust. */
static uint64_t checksum(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211u;
	return h;
}

static void list_tensors(const tessel_model *m)
{
	for (int i = 0; i < tessel_model_tensor_count(m); i++) {
		tessel_tensor_info t;
		if (tessel_model_tensor(m, i, &t, NULL))
			continue;
		printf("%s %s %s [", t.role == TESSEL_INPUT ? "input " : "output", t.name, tessel_dtype_name(t.dtype));
		for (int d = 0; d < t.rank; d++)
			printf("%s%" PRId64, d ? ", " : "", t.shape[d]);
		printf("] %s%s%s\n", t.layout, t.why_not ? " -- cannot be used: " : "", t.why_not ? t.why_not : "");
	}
}

/* Every output's checksum, from memory: what a program would use. */
static int print_outputs(tessel_device *d, const tessel_model *m)
{
	tessel_error err;
	for (int i = 0; i < tessel_model_tensor_count(m); i++) {
		tessel_tensor_info t;
		tessel_model_tensor(m, i, &t, NULL);
		if (t.role != TESSEL_OUTPUT || t.why_not)
			continue;
		unsigned char *data = malloc(t.bytes);
		if (!data || tessel_get_output(d, m, t.name, data, t.bytes, &err)) {
			free(data);
			return data ? failed(&err) : 1;
		}
		printf("output %s: %zu bytes, checksum %016" PRIx64 "\n", t.name, t.bytes, checksum(data, t.bytes));
		free(data);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: embed MODEL.tsp [sim|rtl] [NAME=FILE.npy ...]\n");
		return 2;
	}
	const char *device = argc > 2 && !strchr(argv[2], '=') ? argv[2] : "sim";
	int first = argc > 2 && !strchr(argv[2], '=') ? 3 : 2;
	tessel_error err;
	tessel_model *m = NULL;
	tessel_device *d = NULL;
	int rc = 0;
	if (tessel_model_load(argv[1], NULL, &m, &err)) {
		rc = failed(&err);
		goto out;
	}
	printf("model %s for %s (tessel %s)\n", argv[1], tessel_model_hw_name(m), tessel_version());
	list_tensors(m);
	for (int i = first; i < argc; i++) { /* inputs before the run */
		char name[128];
		const char *eq = strchr(argv[i], '=');
		snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - argv[i]) : 0, argv[i]);
		int k = tessel_model_find(m, name);
		tessel_tensor_info t;
		if (k >= 0 && !tessel_model_tensor(m, k, &t, NULL) && t.role == TESSEL_INPUT &&
		    tessel_model_set_input_npy(m, name, eq + 1, &err)) {
			rc = failed(&err);
			goto out;
		}
	}
	/* a device of the hardware the model was compiled for (the description it carries) */
	if (tessel_device_open(device, tessel_model_hw(m), &d, &err)) {
		rc = failed(&err);
		goto out;
	}
	tessel_stats st;
	if (tessel_run(d, m, NULL, &st, &err)) {
		rc = failed(&err);
		goto out;
	}
	printf("%s: %" PRIu64 " cycles (%.3f ms), %" PRIu64 " MACs, utilization %.1f%%, DRAM read %" PRIu64
	       " B, written %" PRIu64 " B\n",
	       device, st.cycles, 1e3 * st.seconds, st.macs, 100 * st.utilization, st.dram_read, st.dram_written);
	if ((rc = print_outputs(d, m)))
		goto out;
	for (int i = first; i < argc; i++) { /* outputs after it */
		char name[128];
		const char *eq = strchr(argv[i], '=');
		snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - argv[i]) : 0, argv[i]);
		int k = tessel_model_find(m, name);
		tessel_tensor_info t;
		if (k < 0 || tessel_model_tensor(m, k, &t, NULL)) {
			fprintf(stderr, "embed: the model has no tensor '%s'\n", name);
			rc = 1;
			goto out;
		}
		if (t.role == TESSEL_OUTPUT && tessel_write_output_npy(d, m, name, eq + 1, &err)) {
			rc = failed(&err);
			goto out;
		}
	}
out:
	tessel_device_close(d);
	tessel_model_free(m);
	return rc;
}
