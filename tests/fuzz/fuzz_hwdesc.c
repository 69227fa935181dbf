/* fuzz_hwdesc: the hardware description loader (hw_load_string).
 * Invariants: a load either succeeds with no error or fails with at least
 * one; a loaded description's canonical form loads again to the same
 * canonical form and fingerprint; deriving its instruction set either works
 * or says why. */
#include "fuzz.h"
#include "hwdesc/hw.h"
#include "isa/isa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct hw hw, again;
	struct diags err = {0};
	int rc = hw_load_string(text, "fuzz.yaml", &hw, &err);
	FUZZ_CHECK(rc == 0 ? err.n == 0 : err.n > 0);
	if (rc == 0) {
		char *canon = hw_canonical(&hw);
		struct diags e2 = {0};
		int rc2 = hw_load_string(canon, "canonical.yaml", &again, &e2);
		if (rc2)
			diag_print(&e2, stderr);
		FUZZ_CHECK(rc2 == 0);
		char *canon2 = hw_canonical(&again);
		FUZZ_CHECK(strcmp(canon, canon2) == 0);
		FUZZ_CHECK(hw_fingerprint(&hw) == hw_fingerprint(&again));
		struct isa_layout lay;
		struct diags e3 = {0};
		int rc3 = isa_derive(&hw, &lay, &e3);
		FUZZ_CHECK(rc3 == 0 ? e3.n == 0 : e3.n > 0);
		free(canon);
		free(canon2);
		diag_free(&e2);
		diag_free(&e3);
	}
	diag_free(&err);
	free(text);
	return 0;
}
