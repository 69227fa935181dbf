/* fuzz_quant: the QDQ rewrite of tessel quantize (quant/qdq.c) on
 * arbitrary bytes read as a ModelProto: every quantizable node found and
 * given a made-up range, the QDQ model written.  Invariants: a written
 * model is bytes protobuf-c reads back, with as many QuantizeLinear nodes
 * as the report's activations and no more quantized nodes than the graph
 * had; a refusal has an error. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "quant/quant_int.h"

static size_t quantize_nodes(const uint8_t *b, size_t len)
{
	Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, b);
	FUZZ_CHECK(m && m->graph);
	size_t n = 0;
	for (size_t k = 0; m && m->graph && k < m->graph->n_node; k++)
		n += m->graph->node[k]->op_type && !strcmp(m->graph->node[k]->op_type, "QuantizeLinear");
	onnx__model_proto__free_unpacked(m, NULL);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *bytes = malloc(size + 1);
	FUZZ_CHECK(bytes != NULL);
	memcpy(bytes, data, size);
	struct qz_model m;
	struct diags err = {0};
	struct qz_range *ranges = NULL;
	int n = 0;
	if (qz_model_parse(bytes, size, "fuzz.onnx", &m, &err) == 0 && (n = qz_range_names(&m, &ranges, &err)) > 0) {
		for (int i = 0; i < n; i++)
			ranges[i].lo = -1.0f, ranges[i].hi = (float)(i + 1), ranges[i].seen = i % 3 != 2;
		struct qz_report r = {0};
		size_t len;
		uint8_t *q = qz_write_qdq(&m, ranges, n, size % 2 ? 16 : 8, NULL, &r, &len, &err); /* both widths */
		FUZZ_CHECK(q ? err.n == 0 : err.n > 0);
		if (q) {
			FUZZ_CHECK((size_t)r.activations == quantize_nodes(q, len));
			FUZZ_CHECK(r.quantized >= 0 && (size_t)r.quantized <= m.g->n_node);
		}
		free(q);
	}
	qz_ranges_free(ranges, n > 0 ? n : 0);
	qz_model_free(&m);
	diag_free(&err);
	return 0;
}
