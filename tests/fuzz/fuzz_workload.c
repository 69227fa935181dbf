/* fuzz_workload: the workload loader (wl_load_string, ir/).
 * A workload may name data files (raw or .npy), read relative to the
 * current directory for a name without '/'.  So that a fuzzed workload can
 * neither read an arbitrary file nor block on one (a FIFO, a device), the
 * target runs in an empty directory of its own and refuses inputs with '/'
 * or '\' (no absolute path, no '..' into a parent, no escape that spells
 * one).  It also refuses tensors whose shapes add up to more than 2^22
 * elements: the loader allows up to 1 GiB per tensor, which is a cost, not a
 * bug.  Invariants: success with no error or failure with at least one;
 * every tensor a loaded workload declares has its data made, the same
 * each time, and a tensor an op computes has none. */
#include <unistd.h>

#include "base/ytree.h"
#include "fuzz.h"
#include "ir/workload.h"

enum { MAX_ELEMS = 1 << 22 };

/* Elements of every `shape:` sequence in the tree, saturating. */
static uint64_t shape_elems(const struct ynode *n)
{
	if (!n || n->kind == YN_SCALAR)
		return 0;
	uint64_t sum = 0;
	for (int i = 0; i < n->n; i++) {
		const struct ynode *k = n->kid[i];
		if (n->kind == YN_MAP && i % 2 == 0 && k->kind == YN_SCALAR && !strcmp(k->str, "shape") &&
		    n->kid[i + 1]->kind == YN_SEQ) {
			const struct ynode *s = n->kid[i + 1];
			uint64_t p = 1;
			for (int j = 0; j < s->n; j++) {
				unsigned long long v = s->kid[j]->kind == YN_SCALAR ? strtoull(s->kid[j]->str, NULL, 0) : 1;
				p = v && p > MAX_ELEMS / v ? (uint64_t)MAX_ELEMS + 1 : p * v;
			}
			sum += p > MAX_ELEMS ? (uint64_t)MAX_ELEMS + 1 : p;
		} else {
			sum += shape_elems(k);
		}
		if (sum > MAX_ELEMS)
			return sum;
	}
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_enter_empty_dir("fuzz_workload");
	if (memchr(data, '/', size) || memchr(data, '\\', size))
		return 0;
	char *text = fuzz_text(data, size);
	struct diags perr = {0};
	static const struct yt_doc doc = {"workload", "name, seed, tensors, ops"};
	struct ynode *root = yt_parse(text, size, "fuzz.yaml", &doc, &perr);
	uint64_t elems = shape_elems(root);
	yt_free(root);
	diag_free(&perr);
	if (elems > MAX_ELEMS) {
		free(text);
		return 0;
	}
	struct wl_workload w;
	struct diags err = {0};
	int rc = wl_load_string(text, "fuzz.yaml", &w, &err);
	FUZZ_CHECK(rc == 0 ? err.n == 0 : err.n > 0);
	if (rc == 0) {
		/* every declared tensor's data is made, the same each time; an op's output has none */
		for (int i = 0; i < w.g.ntensors; i++) {
			size_t n = wl_tensor_bytes(&w, i);
			uint8_t *a = malloc(n), *b = malloc(n);
			bool made = wl_tensor_fill(&w, i, a);
			FUZZ_CHECK(made == wl_tensor_declared(&w, i));
			FUZZ_CHECK(made == (w.g.tensor[i].producer < 0));
			if (made) {
				FUZZ_CHECK(wl_tensor_fill(&w, i, b));
				FUZZ_CHECK(!memcmp(a, b, n));
			}
			free(a);
			free(b);
		}
		wl_free(&w);
	}
	diag_free(&err);
	free(text);
	return 0;
}
