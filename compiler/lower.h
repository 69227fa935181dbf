/* compiler/lower: a mapping (tensorize/tensorize.h) becomes instructions.
 * Shared levels are staged through block by block.  Lowering emits, per step, the DMA loads
 * (only when the block is not already resident), the intrinsic over a
 * micro-op kernel with two loop levels folded into the instruction, and per
 * output block the epilogue as ALU instructions and the stores, with the
 * dependency tokens that let loads, compute and stores overlap
 * (docs/compiler.md). */
#ifndef TESSEL_LOWER_H
#define TESSEL_LOWER_H

#include <stdbool.h>
#include <stdint.h>

#include "isa/program.h"
#include "tensorize/tensorize.h"
#include "ir/ir.h"

#ifdef __cplusplus
extern "C" {
#endif

struct lw_stream;

/* What the runtime needs to read an op's result back. */
struct lw_op_record {
	int op;
	bool pool;                /* max pooling on the ALU (pool), else the GEMM form (geo) */
	struct tz_pool pool_desc;
	struct tz_geometry geo;
	int out_segment;          /* index into the program's segments */
	int first_insn, end_insn; /* its instructions in the program */
};

/* A program under construction; ops are lowered into it one after another. */
struct lw_builder {
	struct isa_program *p;
	struct lw_stream *s;
	uint64_t dram_next;       /* next free DRAM byte for segments */
	int nops;
	struct lw_op_record *ops;
	int *op_of_insn;          /* per final instruction: index into ops, -1 for none */
	/* Last instruction of the previous op per module, for the barrier. */
	int last_compute, last_store;
};

/* p must be freshly initialised for the hardware. */
void lw_builder_init(struct lw_builder *b, struct isa_program *p);
/* Lowers op `op` of g with mapping m: segments packed from data[tensor]
 * (tensor bytes, row-major; NULL: left zero, for timing only), micro-ops and
 * instructions.  0, or -1 with an
 * error naming the op. */
int lw_lower_op(struct lw_builder *b, const struct ir_graph *g, int op, const struct tz_mapping *m,
		const uint8_t *const *data, struct diags *err);
/* Lowers op `op` of g, a max pooling tz_pool_match accepts, onto the vector
 * ALU: blocks of pixels' windows loaded into the accumulator, `mov` of the
 * first window position and `max` over the others into the output block,
 * stores.  0, or -1 with an error naming the op. */
int lw_lower_pool(struct lw_builder *b, const struct ir_graph *g, int op, const uint8_t *const *data,
		  struct diags *err);
/* Op record i's output segment (bytes as read from the device) into the op's
 * output tensor. */
void lw_unpack(const struct lw_builder *b, int i, const struct ir_graph *g, const uint8_t *packed, uint8_t *tensor);
/* Adds FINISH, sets the tokens, lays out DRAM and checks the program
 * structurally (fields, buffer bounds, deadlock freedom); 0, or -1 with an
 * error naming the op at fault. */
int lw_builder_finish(struct lw_builder *b, const struct ir_graph *g, struct diags *err);
void lw_builder_free(struct lw_builder *b);

/* Structural checks of a finished program: every field in range, every
 * transfer and every micro-op loop inside its buffers, and the token
 * protocol free of deadlock for the queue depths.  Errors name the
 * instruction and, with names (per instruction, may be NULL), its op. */
int lw_check_program(const struct isa_program *p, const char *const *insn_op, struct diags *err);

#ifdef __cplusplus
}
#endif

#endif
