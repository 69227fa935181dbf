/* tessel quantize MODEL.onnx --calibrate FILE.npy... -o OUT.onnx
 * [--activations int8|int16]: int8 post-training quantization
 * (quant/quantize.h, docs/quantize.md), then the quantized model's outputs
 * against the float model's on the samples. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/output.h"
#include "quant/quantize.h"
#include "cli.h"

/* Takes `--calibrate FILE [FILE...]` (any number of times) out of argv:
 * the files are the arguments up to the next option. */
static int take_calibrate(int *argc, char **argv, const char ***files, int *n)
{
	int k = 1;
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--calibrate")) {
			argv[k++] = argv[i];
			continue;
		}
		int first = i + 1;
		while (i + 1 < *argc && argv[i + 1][0] != '-')
			i++;
		if (i + 1 == first) {
			cli_usage_error("quantize", "option '--calibrate' needs at least one .npy file");
			return -1;
		}
		*files = xrealloc(*files, (size_t)(*n + i + 1 - first) * sizeof **files);
		for (int f = first; f <= i; f++)
			(*files)[(*n)++] = argv[f];
	}
	*argc = k;
	argv[k] = NULL;
	return 0;
}

/* Takes `OPTION A|B` out of argv: *choice 0 for A (and when absent), 1 for B. */
static int take_choice(int *argc, char **argv, const char *option, const char *a, const char *b, int *choice)
{
	int k = 1;
	*choice = 0;
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], option)) {
			argv[k++] = argv[i];
			continue;
		}
		const char *v = i + 1 < *argc ? argv[++i] : "";
		if (strcmp(v, a) && strcmp(v, b)) {
			cli_usage_error("quantize", "option '%s' takes %s or %s, not '%s'", option, a, b, v);
			return -1;
		}
		*choice = strcmp(v, a) != 0;
	}
	*argc = k;
	argv[k] = NULL;
	return 0;
}

static void print_text(const struct qz_options *o, const struct qz_report *r)
{
	printf("%s: %d Conv/MatMul nodes quantized to int8 (%d left in float), %d activations scaled to int%d, %d "
	       "calibration samples\n", o->model, r->quantized, r->skipped, r->activations, r->activation_bits, r->samples);
	if (o->fit_weights)
		printf("weights fitted layer by layer: %d of %d nodes\n", r->fitted, r->quantized);
	printf("wrote %s\n", o->out);
	printf("  %-32s %12s %12s %10s %10s\n", "output", "max |error|", "max |float|", "cosine", "top-1");
	for (int i = 0; i < r->noutputs; i++) {
		const struct qz_output_report *q = &r->out[i];
		char top1[32] = "-";
		if (q->is_class)
			snprintf(top1, sizeof top1, "%lld/%lld", (long long)q->top1_agree, (long long)q->top1_total);
		printf("  %-32s %12.6g %12.6g %10.6f %10s\n", q->name, q->max_abs_error, q->max_abs_float, q->cosine, top1);
	}
}

static void print_json(const struct qz_options *o, const struct qz_report *r)
{
	cli_json_begin(stdout, "quantize");
	printf(",\"model\":");
	cli_json_string(stdout, o->model);
	printf(",\"output\":");
	cli_json_string(stdout, o->out);
	printf(",\"quantized\":%d,\"skipped\":%d,\"activations\":%d,\"activation_bits\":%d,\"fitted\":%d,"
	       "\"samples\":%d,\"outputs\":[", r->quantized, r->skipped, r->activations, r->activation_bits, r->fitted, r->samples);
	for (int i = 0; i < r->noutputs; i++) {
		const struct qz_output_report *q = &r->out[i];
		printf("%s{\"name\":", i ? "," : "");
		cli_json_string(stdout, q->name);
		printf(",\"values\":%lld,\"max_abs_error\":%.9g,\"max_abs_float\":%.9g,\"cosine\":%.9g", (long long)q->values,
		       q->max_abs_error, q->max_abs_float, q->cosine);
		if (q->is_class)
			printf(",\"top1_agree\":%lld,\"top1_total\":%lld}", (long long)q->top1_agree, (long long)q->top1_total);
		else
			printf(",\"top1_agree\":null,\"top1_total\":null}");
	}
	printf("]}\n");
}

int cli_quantize(int argc, char **argv)
{
	const char **files = NULL;
	int nfiles = 0;
	struct cli_opts o;
	int wide, fit;
	if (take_calibrate(&argc, argv, &files, &nfiles) || take_choice(&argc, argv, "--activations", "int8", "int16", &wide) ||
	    take_choice(&argc, argv, "--weights", "round", "fit", &fit)) {
		free(files);
		return CLI_USAGE;
	}
	int rc = cli_parse("quantize", argc, argv, CLI_OPT_OUT | CLI_OPT_JSON, 1, 1, &o);
	if (rc) {
		free(files);
		return rc < 0 ? CLI_USAGE : CLI_OK;
	}
	if (!o.out || !nfiles) {
		cli_usage_error("quantize", "%s", !o.out ? "-o OUT.onnx is required" : "--calibrate FILE.npy... is required");
		free(files);
		return CLI_USAGE;
	}
	for (int i = 0; i < nfiles; i++)
		if (out_same_file(files[i], o.out)) {
			cli_usage_error("quantize", "-o '%s' is calibration file '%s'", o.out, files[i]);
			free(files);
			return CLI_USAGE;
		}
	if (cli_check_outputs("quantize", &o)) {
		free(files);
		return CLI_USAGE;
	}
	struct qz_options q = {.model = o.pos[0], .out = o.out, .calibrate = files, .ncalibrate = nfiles,
			       .activation_bits = wide ? 16 : 8, .fit_weights = fit};
	struct qz_report r;
	struct diags err = {0};
	if (qz_quantize(&q, &r, &err)) {
		cli_print_errors(&err, q.model);
		free(files);
		return CLI_BAD_INPUT;
	}
	diag_free(&err);
	if (o.json)
		print_json(&q, &r);
	else
		print_text(&q, &r);
	free(files);
	return CLI_OK;
}
