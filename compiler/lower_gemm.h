/* compiler/lower_gemm.h: what the lowering of an op in its GEMM form
 * (lower_gemm.c) shares with that of its direct form (lower_direct.c): the
 * rings of buffers, the op's lowering state and its steps.  Private to
 * those two files. */
#ifndef TESSEL_LOWER_GEMM_H
#define TESSEL_LOWER_GEMM_H

#include "lower.h"

/* One buffer of a ring. */
struct slot {
	int64_t key;     /* block held, -1 none */
	int loaded_by;   /* last instruction filling it */
	int last_reader; /* last instruction reading it */
	int64_t used;    /* step that last used it, for replacement */
};

/* An operand's buffers (tz_mapping's rings). */
struct ring {
	int n;
	struct slot s[TZ_MAX_RING];
};

/* One step of the loop nest. */
struct step {
	int64_t bb, mo, no, ko;     /* block coordinates */
	int64_t sidx, r0, nr, c0, nc; /* direct form: stepped M index, first row and rows, first column and columns of
				       * its box (fewer at the edges; a box of one row may end short of its width) */
	int64_t group, sub;         /* direct form: the blocks sharing its input box (tz_mapping's share), its place
				     * among them */
	int64_t bm, bn, bk;         /* this block's sizes (smaller at the edges) */
	int64_t out_block;          /* index of its output block */
	bool first_k, last_k;
	int sa, sb;                 /* slots chosen when its loads were emitted */
	int sd;                     /* the digit buffer it starts from (TZ_BEAT_PER_BLOCK) */
};

/* Everything lowering one GEMM-form op needs. */
struct gemm_lowering {
	struct lw_op lo;
	const struct tz_geometry *geo;
	const struct tz_mapping *m;
	int lv_a, lv_b;
	uint64_t seg_a, seg_b, seg_bias, seg_out; /* DRAM byte addresses */
	uint64_t plane_bytes;
	/* scratchpad layout, in elements */
	uint64_t slot_a, slot_b, slot_acc, bias_off;
	/* micro-op kernels: indices into the op's micro-ops */
	uint32_t k_gemm[TZ_MAX_RING][TZ_MAX_RING][LW_MAX_RING], k_imm[LW_MAX_RING], k_bias[LW_MAX_RING];
	struct tz_bias_home bias_res; /* where the whole bias stays (group -1: it does not) */
	bool bias_init;         /* each block starts from its bias, no reset, no add (tz_bias_init) */
	bool bias_beat;         /* each tile starts from its bias as its first beat (tz_bias_beat) */
	enum tz_beat beat_mode; /* its digits: all resident, or a block's in one of two buffers (rdig) */
	uint64_t beat_place, beat_digit; /* their elements: after A's buffers, after B's */
	uint64_t seg_place, seg_digit;   /* DRAM byte addresses */
	uint32_t k_beat[LW_MAX_RING];    /* per accumulator buffer, a kernel per block of output tiles */
	int beat_loaded[2];     /* the last loads of each */
	bool serpentine;        /* odd output blocks run their reduction blocks backward (tz_serpentine) */
	uint64_t keep_off[2];   /* kept A and B in the shared level (byte offsets) */
	int64_t panel_in;       /* the panel of the inner loop's operand the shared level holds (batch x panels), or -1 */
	uint64_t bias_res_base; /* its accumulator element */
	/* staging in the shared levels: byte offset per purpose and level */
	uint64_t stage_a[HW_MAX_LEVELS], stage_b[HW_MAX_LEVELS], stage_bias[LW_MAX_RING][HW_MAX_LEVELS];
	struct ring ra, rb, racc, rbias, rdig;
	int acc_writer_need;    /* store instruction the first acc write waits for */
	/* An output block whose byte planes are still being stored: each next
	 * plane's shift waits for the last plane's store, so the shifts go
	 * between the next block's steps instead of stalling the compute
	 * module (plane: the next plane to store; 0: none pending). */
	struct {
		struct step st;
		int q, plane, store;
	} pending;
	/* the direct form (m->direct): its blocks (a's box per group of lane tiles: db.box) */
	struct tz_direct_block db;
};


static inline int64_t blocks(int64_t n, int64_t b)
{
	return (n + b - 1) / b;
}


static inline int64_t edge(int64_t n, int64_t b, int64_t i)
{
	return n - i * b < b ? n - i * b : b;
}


/* The place values and digit tiles of the bias beat from the packed bias
 * (NULL: zeros), which this frees. */
void lw_beat_segments(struct gemm_lowering *gl, uint8_t *bias);

/* ---- lower_direct.c: the direct form's own parts ---- */

/* The box of output points of block s->mo (its rows, columns, stepped index). */
void lw_direct_box(const struct gemm_lowering *gl, struct step *s);
/* The input box of step st into buffer element idx; its first instruction. */
int lw_direct_load(struct gemm_lowering *gl, const struct step *st, uint64_t idx);
/* The step of iterator `it` in elements of a's box. */
int64_t lw_direct_box_step(const struct gemm_lowering *gl, int it);
/* Output block q of step st into the output's layout at seg, after `wait`; its last store. */
int lw_direct_store(struct gemm_lowering *gl, const struct step *st, int q, uint64_t seg, int wait);
/* The intrinsic's kernel for buffers a, b and acc. */
void lw_direct_kernel(struct gemm_lowering *gl, uint32_t a, uint32_t b, uint32_t acc);
/* The op's segments (data NULL: zeros). */
void lw_direct_segments(struct gemm_lowering *gl, const uint8_t *const *data);
/* A diagonal binding's block of B from tile k0, its tiles' diagonals alone
 * in DRAM (tz_geometry's b_diag): a diagonal load per row and run of tiles
 * of one lane tile, on that lane tile's diagonal block (tz_diag_block);
 * its last instruction. */
int lw_direct_load_b_diagonal(struct gemm_lowering *gl, const struct step *st, uint64_t idx, int64_t k0, int64_t tiles,
			      int wait);

/* ---- lower_bias.c: an output block's bias ---- */

/* Step st's bias block into accumulator buffer q, beside the block (for
 * the `add` pass); its load. */
int lw_load_bias(struct gemm_lowering *gl, const struct step *st, int q);
/* The block itself starting from its bias, repeated over its rows (the
 * direct form's: each output tile's value over the tile's points); its
 * load. */
int lw_load_bias_init(struct gemm_lowering *gl, const struct step *st, int q);

#endif
