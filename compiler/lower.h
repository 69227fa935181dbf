/* compiler/lower: the passes that turn settled plans into a program
 * (docs/compiler.md), and what the files of lowering share.
 *
 *   lower.c       the op-lowering kinds and the passes over the program
 *   lower_dma.c   DMA transfers through the shared levels, DRAM segments,
 *                 micro-op kernels and their loads
 *   lower_gemm.c  an op in its GEMM form or its direct form on an intrinsic
 *   lower_direct.c  the direct form's own parts (lower_gemm.h: what they share)
 *   lower_pool.c  max pooling on the vector ALU
 *   gather.c      runs cut where a tensor changes layout, and the gathers between
 *   host_ops.c    ops on the host as steps between runs, tensors row major for them
 *   tables.c      packing and unpacking as byte tables (gathers, inputs, outputs) */
#ifndef TESSEL_LOWER_H
#define TESSEL_LOWER_H

#include <stdbool.h>
#include <stdint.h>

#include "compile.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the passes (compiler/lower.c); each 0, or -1 with an error naming the op ---- */

int lw_pass_plan(struct cc_program *prog, struct diags *err);
int lw_pass_lower(struct cc_program *prog, struct diags *err);
int lw_pass_tokens(struct cc_program *prog, struct diags *err);
int lw_pass_layout(struct cc_program *prog, struct diags *err);
int lw_pass_verify(struct cc_program *prog, struct diags *err);
int lw_pass_ports(struct cc_program *prog, struct diags *err);

/* Structural checks of a finished program (compiler/check.c): every field
 * in range, every transfer and every micro-op loop inside its buffers, and
 * the token protocol free of deadlock for the queue depths.  Errors name the
 * instruction and, with names (per instruction, may be NULL), its op. */
int lw_check_program(const struct isa_program *p, const char *const *insn_op, struct diags *err);

/* ---- one op being lowered: what every kind of op shares ---- */

enum { LW_MAX_RING = 2 };

struct lw_op {
	struct cc_program *prog;
	struct lw_stream *s;
	const struct hw *hw;
	const struct isa_layout *lay;
	const struct ir_graph *g;
	const struct ir_op *op;
	struct cc_op *rec;
	int lv_acc, lv_out, lv_uop;
	/* staging areas in the shared levels: byte offset per level */
	uint64_t stage_out[HW_MAX_LEVELS], stage_uop[HW_MAX_LEVELS];
	uint32_t uop_rel;        /* first micro-op of this op in the program's micro-op region */
	uint32_t nuops;          /* micro-ops of this op so far */
	bool barrier_done;       /* the op's first load waits for the previous op's compute */
};

/* ---- lower_dma.c ---- */

/* An allocation of N bytes for WHAT (a static string) failed while
 * lowering: kept, the first one, for the lower pass to report after the op
 * (lowering goes on with what it has; the program is discarded). */
void lw_nomem(struct cc_program *prog, size_t n, const char *what);

/* The common part of an op's lowering state. */
void lw_op_init(struct lw_op *lo, struct cc_program *prog, struct cc_op *rec);

uint32_t lw_lcm32(uint32_t a, uint32_t b);
uint64_t lw_align_up(uint64_t v, uint64_t a);
/* bytes in elements of e bytes: a DMA address or size counts whole
 * elements, so a remainder is a bug of the lowering (it dies). */
uint64_t lw_elems(uint64_t bytes, uint64_t e);
/* Where DRAM regions start: a multiple of 4096 bytes that is a whole
 * number of elements of every on-chip level (isa_segment_align), since
 * transfers address a segment in their level's elements, and a staged
 * block's address is reckoned in its scratchpad's.  cc_build refuses a
 * description without one. */
uint64_t lw_segment_align(const struct hw *hw);
/* One 2D transfer, split to fit the DMA's limits; returns its first
 * instruction (the last is s->n - 1).  addr and stride count elements, or,
 * for a narrow transfer (values > 0: docs/isa.md), values. */
int lw_transfer(struct lw_op *lo, enum isa_class cls, int buf, uint64_t idx, uint64_t addr, uint64_t rows,
		uint64_t cols, uint64_t stride, uint32_t uop_unit, uint32_t values);
/* A block from DRAM into scratchpad lv at element idx, through every shared
 * level (stage[]: its staging offset per level); the first write into lv
 * waits for `wait`.  Returns the last instruction. */
int lw_load_block(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t rows, uint64_t cols,
		  uint64_t dram_stride, const uint64_t *stage, int wait);
/* One row of cols elements of a scratchpad under DRAM, each the first
 * `values` values of its element, packed from DRAM byte `dram` (a narrow
 * load: the rest of each element is zero), after `wait`.  Returns the last
 * instruction. */
int lw_load_narrow(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t cols, uint32_t values, int wait);
/* `rows` rows of `cols` elements of lv under DRAM into idx on, each its
 * first `values` values in DRAM, packed from byte `dram`, rows dram_stride
 * values apart (a narrow transfer: the rest of each element zero), after
 * `wait`.  Returns the last instruction. */
int lw_load_narrow_block(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t rows, uint64_t cols,
			 uint64_t dram_stride, uint32_t values, int wait);
/* The same on diagonal block `block` of each element (a diagonal load,
 * docs/isa.md): a diagonal binding's tiles of B, their diagonal alone in
 * DRAM; staged from `stage` (a byte offset per shared level) under shared
 * levels, whole elements of each around the values' bytes. */
int lw_load_diagonal(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t cols, uint32_t values,
		     uint32_t block, const uint64_t *stage, int wait);
/* n elements of scratchpad lv, each only its first `part` bytes in DRAM
 * (a whole number of its shared level's elements), packed from byte
 * `dram`: into the shared level with the rest of each element the DMA's
 * zero padding, then whole into lv at idx (stage[]: staging offsets per
 * level), after `wait`.  Returns the last instruction. */
int lw_load_parts(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t n, uint64_t part, const uint64_t *stage,
		  int wait);
/* `tiles` tiles of per_tile elements of lv under DRAM from idx, each only
 * its first `held` elements in DRAM, packed from byte `dram` (with
 * `values` > 0, each element its first `values` values, by narrow
 * transfers), the rest the DMA's zero padding, after `wait`.  Returns the
 * last instruction. */
int lw_load_tile_prefixes(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t tiles, uint64_t per_tile,
			  uint64_t held, uint32_t values, int wait);
/* One row of cols elements from DRAM written `times` times, one after the
 * other, into lv from idx: a load with a row stride of 0 (from DRAM, or from
 * the row staged once in the shared levels). */
int lw_load_repeated(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t cols, uint64_t times,
		     const uint64_t *stage, int wait);
/* The same row with each of its elements written `times` times from
 * element idx + c * pitch of lv (element c): one load per element. */
int lw_load_spread(struct lw_op *lo, int lv, uint64_t idx, uint64_t pitch, uint64_t dram, uint64_t cols, uint64_t times,
		   const uint64_t *stage, int wait);
/* The output block at out-buffer element idx to DRAM byte `dram` (rows
 * dram_stride elements apart), through the shared levels, after `wait`;
 * values > 0: a narrow store of each element's first `values` values,
 * packed (no shared level then).  Returns the last instruction. */
int lw_store_block(struct lw_op *lo, uint64_t idx, uint64_t dram, uint64_t rows, uint64_t cols, uint64_t dram_stride,
		   int wait, uint32_t values);
/* A block of an operand kept whole in the shared level into lv. */
int lw_load_from_kept(struct lw_op *lo, int lv, uint64_t idx, uint64_t at, uint64_t rows, uint64_t cols,
		      uint64_t stride, int wait);
/* Makes the op's first load wait for the previous op's compute. */
void lw_barrier(struct lw_op *lo, int first);
/* A DRAM segment named after the op, holding data (NULL: left zero; owned
 * by the program from now on, freed if the segment cannot be added). */
uint64_t lw_add_segment(struct lw_op *lo, const char *suffix, enum isa_segment_kind kind, uint64_t size,
			uint8_t *data);
/* The same, named `name`; its index in the program's segments, or -1 (the
 * failure recorded by lw_nomem). */
int lw_add_named_segment(struct cc_program *prog, const char *name, enum isa_segment_kind kind, uint64_t size,
			 uint8_t *data);
enum isa_segment_kind lw_segment_kind(const struct ir_graph *g, int tensor);
void lw_add_uop(struct lw_op *lo, uint32_t dst, uint32_t src, uint32_t wgt);
/* Zero micro-ops up to a whole element of every shared level on the way. */
void lw_pad_uops(struct lw_op *lo);
/* The op's micro-op kernels into the micro-op buffer, once. */
void lw_load_kernels(struct lw_op *lo);
/* The last compute instruction emitted, as the next op's barrier. */
void lw_note_last_compute(struct lw_op *lo);

/* A load of rows x cols elements of lv from DRAM element addr (rows
 * `stride` apart) into idx, with the DMA's zero padding pad[4] (rows
 * before, after, columns before, after): one instruction, or, through
 * shared levels, the padded transfer into the outermost at byte stage[l]
 * of each level l and whole ones on.  values > 0: a narrow load, addr and
 * stride counting values (no shared level then).  Returns the first
 * instruction. */
int lw_load_padded(struct lw_op *lo, int lv, uint64_t idx, uint64_t addr, int64_t rows, int64_t cols, uint64_t stride,
		   const int64_t pad[4], const uint64_t *stage, uint32_t values);
/* The DRAM byte address of the segment an earlier op of the program stores
 * `tensor` into, in the layout this op reads (cc_stored_by: the rule
 * compile also plans by), or UINT64_MAX. */
uint64_t lw_stored_segment(struct lw_op *lo, int tensor);

/* A max pool whose windows the host packs (not its direct form). */
static inline bool lw_pool_windows(const struct cc_plan *p)
{
	return p->kind == CC_POOL && !p->pool.box.ok;
}

/* ---- gather.c: programs cut where a tensor changes layout between ops ---- */

/* The graph ops of the program, in order (NULL when out of memory, recorded). */
int *lw_program_ops(struct cc_program *prog);
/* Before op i: when it is a host op, or an input comes from a step
 * (CC_FROM_GATHER, CC_FROM_HOST_STEP), ends the run so far with a finish;
 * nothing after it waits for what is before. */
void lw_cut_before(struct cc_program *prog, int i);
/* After op i is lowered (its input segments placed): the steps that fill
 * them from their producers' output segments. */
void lw_add_gathers(struct cc_program *prog, int i);
/* The segment op i (in the GEMM form) reads input `tensor` from where an
 * earlier op stored it, or -1: where its packing of the tensor is, byte for
 * byte, what the producer stored (a gather would copy every byte onto
 * itself), the consumer reads the producer's segment and no gather or cut
 * comes between them. */
int lw_stored_as_packed(struct cc_program *prog, int i, int tensor);
/* A step after what is pending (a gather's from is the step's from then on). */
void lw_add_pending(struct cc_program *prog, const struct isa_step *st);
/* Op i's packing of its input `tensor` (row major, in values) into the
 * segment it reads it from (out, zeroed first): what the gathers and the
 * program's inputs are tables of.  0, or -1 when out of memory. */
int lw_pack_input(const struct cc_program *prog, int i, int tensor, const uint8_t *values, uint8_t *out);
/* ---- tables.c: packing and unpacking as byte tables ---- */

/* Op i's packing of input `tensor` into the seg_bytes of the segment it
 * reads: per segment byte, the tensor byte it holds or ISA_GATHER_ZERO;
 * op i's unpacking of its output segment: per tensor byte, the segment byte
 * it comes from.  NULL: *bad when the code does more than move bytes (or
 * the table would pass 4 GiB), else out of memory (recorded by lw_nomem). */
uint32_t *lw_pack_table(struct cc_program *prog, int i, int tensor, uint64_t seg_bytes, bool *bad);
uint32_t *lw_unpack_table(struct cc_program *prog, int i, uint64_t seg_bytes, bool *bad);
/* from[k] = k for k < n; NULL when out of memory (recorded). */
uint32_t *lw_identity_table(struct cc_program *prog, uint64_t n);

/* ---- host_ops.c: host ops as steps, tensors row major for them ---- */

/* The segment holding tensor t row major for the host steps ("t.host"),
 * made at the first call: a workload input's or weight's with its data, an
 * accelerator op's filled by a gather from its output segment (pending
 * now), a host op's written by it.  Its index, or -1 (recorded). */
int lw_host_segment(struct cc_program *prog, int t);
/* Host op i: its operands row major, its host step, its result row major. */
int lw_lower_host(struct cc_program *prog, struct cc_op *rec, struct diags *err);
/* The host step computing op i's packed input `tensor` (CC_FROM_HOST_STEP)
 * from the tensor row major. */
void lw_add_host_packing(struct cc_program *prog, int i, int tensor);

/* The pending runs and gathers into the program's steps (after tokens). */
int lw_steps_into_program(struct cc_program *prog, struct diags *err);
void lw_free_pending(struct cc_program *prog);

/* ---- lower_gemm.c and lower_pool.c: one entry per kind of op ---- */

int lw_settle_gemm(struct cc_program *prog, struct cc_op *rec, struct diags *err);
int lw_lower_gemm(struct cc_program *prog, struct cc_op *rec, struct diags *err);
void lw_unpack_gemm(const struct cc_program *prog, const struct cc_op *rec, const uint8_t *packed, uint8_t *tensor);
int lw_settle_pool(struct cc_program *prog, struct cc_op *rec, struct diags *err);
int lw_lower_pool(struct cc_program *prog, struct cc_op *rec, struct diags *err);
void lw_unpack_pool(const struct cc_program *prog, const struct cc_op *rec, const uint8_t *packed, uint8_t *tensor);

#ifdef __cplusplus
}
#endif

#endif
