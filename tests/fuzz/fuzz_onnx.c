/* fuzz_onnx: the ONNX importer (wl_load_onnx_bytes, ir/onnx.c): protobuf-c
 * reading arbitrary bytes as a ModelProto, then the converters.  A model
 * may name external data files, read relative to its folder: the target
 * runs in an empty directory of its own (and the importer refuses
 * locations with '..' or a leading '/').  Invariants: success with no error
 * or failure with at least one; in a loaded model every op is its output's
 * producer, every weight has its bytes, and every op reads tensors that
 * exist and are made before it. */
#include "fuzz.h"
#include "ir/workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_enter_empty_dir("fuzz_onnx");
	struct wl_workload w;
	struct diags err = {0};
	int rc = wl_load_onnx_bytes(data, size, "fuzz.onnx", NULL, &w, &err);
	FUZZ_CHECK(rc == 0 ? err.n == 0 : err.n > 0);
	if (rc == 0) {
		const struct ir_graph *g = &w.g;
		for (int i = 0; i < g->nops; i++) {
			FUZZ_CHECK(g->tensor[g->op[i].out.tensor].producer == i);
			for (int k = 0; k < g->op[i].nin; k++) {
				int t = g->op[i].in[k].tensor;
				FUZZ_CHECK(t >= 0 && t < g->ntensors && g->tensor[t].producer < i);
			}
		}
		for (int t = 0; t < g->ntensors; t++)
			if (g->tensor[t].kind == IR_TENSOR_WEIGHT)
				FUZZ_CHECK(w.data[t] != NULL);
		wl_free(&w);
	}
	diag_free(&err);
	return 0;
}
