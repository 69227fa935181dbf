/* fuzz_tsp: the .tsp reader (isa_tsp_decode) and a bounded run of what it
 * accepts on the simulator (dev_sim).
 *
 * The harness seals every input with a correct checksum (the last 8 bytes),
 * so that mutations reach the structure behind it rather than stopping at
 * `corrupt: checksum mismatch`.  Invariants: decoding succeeds with no error
 * or fails with at least one; a decoded program encodes to a file that
 * decodes to the same bytes again; a run either finishes or reports why
 * (deadlock, an access outside a buffer, no finish) and never crashes; a
 * program with host steps, run without a host backend (opts NULL), is
 * refused with an error.
 *
 * The work of a run is bounded before it starts (the simulator has no cycle
 * budget; it is event-driven and its cost is what the instructions do): at
 * most MAX_INSN instructions, a DRAM layout within MAX_DRAM_END bytes,
 * on-chip levels of at most MAX_ONCHIP bytes in all, a DRAM of at most
 * MAX_DRAM bytes (allocated lazily), and a static estimate of the element
 * operations (DMA elements moved, micro-op beats times the intrinsic's MACs
 * or the accumulator element's values) of at most MAX_WORK. */
#include <xxhash.h>

#include "fuzz.h"
#include "isa/program.h"
#include "sim/simulator.h"

enum {
	MAX_INSN = 4096,
	MAX_DRAM_END = 16 << 20,
	MAX_ONCHIP = 16 << 20,
	MAX_WORK = 1 << 24,
};
#define MAX_DRAM ((uint64_t)1 << 30)

static int small_enough(const struct isa_program *p)
{
	const struct hw *hw = &p->hw;
	if (p->ninsn > MAX_INSN || hw->dram.capacity > MAX_DRAM || isa_program_dram_end(p) > MAX_DRAM_END)
		return 0;
	uint64_t onchip = 0, acc_vals = 1;
	for (int i = 0; i < hw->nlevels; i++)
		onchip += hw->level[i].capacity;
	if (onchip > MAX_ONCHIP)
		return 0;
	int acc = hw->role_level[HW_ROLE_ACCUMULATOR];
	if (acc >= 0)
		for (int r = 0; r < hw->level[acc].elem_rank; r++)
			acc_vals *= hw->level[acc].elem_shape[r];
	uint64_t work = 0;
	for (int i = 0; i < p->ninsn; i++) {
		const struct isa_insn *in = &p->insn[i];
		const struct isa_kind *k = &p->layout.kind[in->kind];
		const int64_t *f = in->f;
		uint64_t w = 1;
		switch (k->cls) {
		case ISA_CLASS_LOAD:
		case ISA_CLASS_STORE:
			w += (uint64_t)(f[ISA_F_YSIZE] + f[ISA_F_YPAD0] + f[ISA_F_YPAD1]) *
			     (uint64_t)(f[ISA_F_XSIZE] + f[ISA_F_XPAD0] + f[ISA_F_XPAD1]) *
			     (f[ISA_F_BUF] >= 0 && f[ISA_F_BUF] < hw->nlevels ? hw->level[f[ISA_F_BUF]].elem_bytes : 1);
			break;
		case ISA_CLASS_GEMM:
		case ISA_CLASS_ALU: {
			uint64_t beats = (uint64_t)(f[ISA_F_UOP_END] - f[ISA_F_UOP_BEGIN]) * (uint64_t)f[ISA_F_ITER_OUT] *
					 (uint64_t)f[ISA_F_ITER_IN];
			uint64_t per = k->cls == ISA_CLASS_GEMM ? hw->intrinsic[k->intrinsic].macs : acc_vals;
			if (beats > MAX_WORK || per > MAX_WORK)
				return 0;
			w += beats * per;
			break;
		}
		default:
			break;
		}
		if ((work += w) > MAX_WORK)
			return 0;
	}
	return 1;
}

static int has_host_step(const struct isa_program *p)
{
	for (int i = 0; i < p->nstep; i++)
		if (p->step[i].kind == ISA_STEP_HOST)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	if (size >= 16) {
		uint64_t h = XXH64(buf, size - 8, 0);
		for (int k = 0; k < 8; k++)
			buf[size - 8 + k] = (uint8_t)(h >> (8 * k));
	}
	struct isa_program p, q;
	struct diags err = {0};
	int rc = isa_tsp_decode(buf, size, "fuzz.tsp", &p, &err);
	FUZZ_CHECK(rc == 0 ? err.n == 0 : err.n > 0);
	diag_free(&err);
	free(buf);
	if (rc)
		return 0;

	/* Encoding is a fixed point after one decode. */
	size_t len1, len2;
	uint8_t *bin1 = isa_tsp_encode(&p, &len1);
	rc = isa_tsp_decode(bin1, len1, "again.tsp", &q, &err);
	if (rc)
		diag_print(&err, stderr);
	FUZZ_CHECK(rc == 0);
	uint8_t *bin2 = isa_tsp_encode(&q, &len2);
	FUZZ_CHECK(len1 == len2 && !memcmp(bin1, bin2, len1));
	free(bin1);
	free(bin2);
	isa_program_free(&q);
	diag_free(&err);

	if (small_enough(&p)) {
		struct device *d = dev_sim.open(&p.hw, &err);
		if (d) {
			struct dev_stats st;
			rc = dev_run_program(&dev_sim, d, &p, NULL, &st, &err);
			FUZZ_CHECK(rc == 0 ? err.n == 0 : err.n > 0);
			FUZZ_CHECK(rc != 0 || !has_host_step(&p));
			dev_sim.close(d);
		}
		diag_free(&err);
	}
	isa_program_free(&p);
	return 0;
}
