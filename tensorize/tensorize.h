/* tensorize: matching the loop nests of the tensor IR to the intrinsics of a
 * hardware description, and the tiled layouts a binding implies.
 *
 * A *binding* ties one op to one intrinsic: which op input feeds the
 * intrinsic's operand in the input scratchpad (`a`) and which the one in the
 * weight scratchpad (`b`), and, for every iterator of the op, the intrinsic
 * dimension it is fused onto, or none (it stays a loop around the
 * intrinsic).  Several iterators fused onto one dimension are flattened
 * row-major in the op's iterator order (conv2d's n, y, x onto a row
 * dimension); an extent that is not a multiple of the dimension's size is
 * padded with zeros.
 *
 * Every binding puts the op in one form, a batched GEMM in units of tiles
 * (docs/tensorize.md):
 *
 *   out[b][m][n] += A[b][m][k] * B[b][n][k]
 *
 * whose axes are the tile counts of the intrinsic's dimensions and the loops
 * left outside it, grouped by which operands they index.  The host packs A,
 * B and the bias into that form (each tile in the scratchpad's element
 * layout) and unpacks the output; lowering (compiler/lower.h) only ever sees
 * the form. */
#ifndef TESSEL_TENSORIZE_H
#define TESSEL_TENSORIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "ir/ir.h"
#include "hwdesc/hw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which operands an iterator (or an intrinsic dimension) indexes. */
enum { TZ_IN_A = 1, TZ_IN_B = 2, TZ_IN_OUT = 4 };

/* The groups of axes of the GEMM form.  X(id, letter) */
#define TZ_GROUPS(X) \
	X(BATCH, 'b')  \
	X(M, 'm')      \
	X(N, 'n')      \
	X(K, 'k')

enum tz_group {
#define X(id, letter) TZ_G_##id,
	TZ_GROUPS(X)
#undef X
	TZ_G_COUNT
};

enum { TZ_MAX_AXES = IR_MAX_ITERS + HW_MAX_DIMS, TZ_MAX_BINDINGS = 4096 };

struct tz_binding {
	int intrinsic;
	int input_a, input_b;          /* op input feeding operand a / b */
	int8_t dim_of[IR_MAX_ITERS];   /* intrinsic dimension, or -1: a loop outside it */
	/* 1 + an iterator read by a, b and the output (a depthwise convolution's
	 * channel) fused *diagonally*: its values along the values of a's
	 * element and of the output's at once, b's tiles holding its values on
	 * their diagonal, its blocks a loop; 0: none.  Only the direct form
	 * lowers it (tz_diagonal gives the iterator or -1). */
	int8_t diagonal;
	/* Derived by tz_binding_derive. */
	int64_t fused[HW_MAX_DIMS];    /* product of the extents fused onto each dimension */
	int64_t tiles[HW_MAX_DIMS];    /* ceil(fused / size) */
	double efficiency;             /* useful MACs / MACs the intrinsic performs */
	int planes;                    /* output buffer passes per output value (wide outputs) */
};

/* ---- tensorize/direct.c: tensors in DRAM in their scratchpad's layout ---- */

/* A tensor in DRAM as its scratchpad holds it: elements of `lanes` values
 * along tensor dimension `lane_dim` (zero past its extent), the blocks of
 * that dimension outermost, then the other dimensions in the tensor's order
 * (for an NHWC activation and 16-value elements: [C/16][N][H][W] elements
 * of 16 channels).  The DMA then moves any box of rows and columns of one
 * channel block in one 2D transfer, with the padding of a window from its
 * pad fields.  `group` elements of consecutive blocks may sit together,
 * innermost ([C/16][N][H][W][4] elements of 4 channels): the bytes of a
 * layout of elements `group` times as wide, which a consumer with narrower
 * elements than its producer's reads as they were stored. */
struct tz_layout {
	int tensor;
	int lane_dim;
	uint32_t lanes;
	/* An element of several rows (`rows` > 1) holds the values of tensor
	 * dimension rows_dim (as long as it has rows) with each its lanes: the
	 * other dimensions then step by whole elements of rows x lanes. */
	int rows_dim;
	uint32_t rows;
	uint32_t group;                /* elements of consecutive blocks stored together (1: none) */
	/* values of each element DRAM holds: `lanes`, or, in a narrow layout,
	 * the dimension's extent when it is less (packed; narrow transfers
	 * move them: docs/isa.md) */
	uint32_t values;
	/* values of each element of the last block DRAM holds, packed, where
	 * the dimension's extent leaves that block partly full (40 channels
	 * in 32 + 8) and narrow transfers move them; 0: as the others */
	uint32_t tail;
	enum dtype dtype;              /* of the values (the scratchpad's) */
	int64_t blocks;                /* ceil(shape[lane_dim] / lanes) */
	int64_t stride[IR_MAX_RANK];   /* elements between neighbours along each dimension (lane_dim: groups) */
	uint64_t elems;
};

void tz_layout_init(struct tz_layout *l, const struct ir_graph *g, int tensor, int lane_dim, uint32_t lanes,
		    uint32_t group, enum dtype dtype);
/* The layout of elements of `rows` rows along rows_dim (rows == its extent). */
void tz_layout_init_rows(struct tz_layout *l, const struct ir_graph *g, int tensor, int lane_dim, uint32_t lanes,
			 int rows_dim, uint32_t rows, enum dtype dtype);
uint64_t tz_layout_bytes(const struct tz_layout *l);
/* A layout narrowed to its tensor's extent along the lanes when that is
 * less than the lanes, of one block of one row, and the scratchpad it goes
 * through has narrow transfers of that many lanes (narrow_lanes:
 * isa_narrow_values of the level); of several blocks, its last block
 * narrowed to what the extent leaves it (`tail`). */
void tz_layout_narrow(struct tz_layout *l, const struct ir_graph *g, uint32_t narrow_lanes);
/* The values of level l's narrow transfers that a lowering may use: those
 * of a scratchpad under DRAM (isa_narrow_values).  A scratchpad under a
 * shared level has them too, but the lowering stages DRAM's bytes through
 * a shared level in its whole elements, where a packed tensor's rows do not
 * start. */
uint32_t tz_narrow_values(const struct hw *hw, int l);
/* The block (along lane_dim) element el of the layout is in. */
int64_t tz_layout_block_of(const struct tz_layout *l, uint64_t el);
/* Values DRAM holds of each element of block blk, moved by narrow
 * transfers (a transfer's `values`), or 0: whole elements. */
uint32_t tz_layout_block_values(const struct tz_layout *l, int64_t blk);
/* Element el's place from its segment's start in the DMA's units: whole
 * elements, or values where its block is narrow; *values: its transfers'
 * `values` (0: whole elements), *unit: what the DMA's addresses and
 * strides count per element there (1, or the values). */
uint64_t tz_layout_dma_offset(const struct tz_layout *l, uint64_t el, uint64_t *unit, uint32_t *values);
/* Bytes of one element in DRAM. */
uint64_t tz_layout_elem_bytes(const struct tz_layout *l);
/* A narrow layout's values per element (a transfer's `values`), else 0. */
uint32_t tz_layout_narrow_values(const struct tz_layout *l);
/* What a DMA's addr and xstride count per element of the layout: 1, or a
 * narrow layout's values (the most of its blocks': a narrow last block's). */
uint64_t tz_layout_dma_step(const struct tz_layout *l);
/* The share of its elements' values DRAM holds (1: all; a narrow layout's
 * or last block's fewer). */
double tz_layout_fill(const struct tz_layout *l);
/* Element el's first byte from its segment's start. */
uint64_t tz_layout_byte_offset(const struct tz_layout *l, uint64_t el);
/* The element holding the value at tensor index x. */
uint64_t tz_layout_element(const struct tz_layout *l, int rank, const int64_t *x);
/* Two layouts that put every value at the same byte. */
bool tz_layout_same(const struct tz_layout *a, const struct tz_layout *b);
/* A tensor (row-major, its dtype) into the layout, and back: `planes`
 * layouts one after another each hold bits 8p·b... of each value (a wide
 * result stored through a narrow buffer, b its bytes per value). */
void tz_layout_pack(const struct ir_graph *g, const struct tz_layout *l, const uint8_t *tensor, uint8_t *out);
void tz_layout_unpack(const struct ir_graph *g, const struct tz_layout *l, int planes, const uint8_t *packed,
		      uint8_t *tensor);

/* How a binding streams its input in `a` and its output through their DRAM
 * layouts, derived from the op's affine accesses (docs/tensorize.md, "The
 * direct form"): the iterators fused onto the elements' values (one each),
 * a block's *box* of M iterators (columns and rows), the iterators stepped
 * one value per block, and the K iterators kept whole in every block
 * (windows: their offsets are micro-ops into the box loaded with its halo). */
struct tz_direct {
	bool ok;
	char why[256];                 /* when not */
	struct tz_layout a, out;
	int lane_a, lane_out;          /* iterators along the values of a's and the output's elements */
	bool lanewise;                 /* one iterator along both, each block one tile of its lanes (a diagonal
					* binding, or one fused onto a dimension of a's, b's and the output's tiles) */
	int row_it;                    /* the iterator along the rows of both elements (several rows), or -1 */
	int box_col, box_row;          /* M iterators of a block's box (box_row -1: one row) */
	int64_t cols, rows;            /* their extents */
	int nwin;
	int win[IR_MAX_ITERS];         /* K iterators kept whole, in the GEMM form's K order */
	int64_t win_points;            /* product of their extents */
	/* a's tensor: the dimensions the DMA moves as rows and columns (a_row -1: one row), and how many
	 * indices apart the values a block reads along each (1, or a stride every access shares) */
	int a_row, a_col;
	int64_t a_step[IR_MAX_RANK];
	int out_row, out_col;          /* the output's dimensions of box_row and box_col */
};

/* One axis of the GEMM form: an op iterator left outside the intrinsic, or
 * the tile count of an intrinsic dimension. */
struct tz_axis {
	bool is_dim;
	int index;      /* iterator, or intrinsic dimension */
	int64_t extent; /* iterations, or tiles */
	int first_iter; /* op iterator that orders the axis */
	int64_t step;   /* the iterator's values per iteration (the lanes of a diagonal iterator's blocks; else 1) */
};

/* The dimension along the values of operand o's tile (the last of its
 * dimensions larger than 1), and the one along its rows (the other, in a
 * tile of several rows); -1 when there is none, or for more than two. */
int tz_operand_lane(const struct hw_intrinsic *in, const struct hw_operand *o);
int tz_operand_rows(const struct hw_intrinsic *in, const struct hw_operand *o);

/* Blocks of b that cover n: n / b, rounded up. */
static inline int64_t tz_blocks(int64_t n, int64_t b)
{
	return (n + b - 1) / b;
}

static inline int tz_diagonal(const struct tz_binding *b)
{
	return b->diagonal - 1;
}

/* The GEMM form of a binding. */
struct tz_geometry {
	const struct hw *hw;
	const struct ir_graph *g;
	int op;
	struct tz_binding b;
	int naxes[TZ_G_COUNT];
	struct tz_axis axis[TZ_G_COUNT][TZ_MAX_AXES];
	int64_t count[TZ_G_COUNT];     /* product of the group's extents: Bt, Mt, Nt, Kt */
	/* Scratchpad elements per tile of A, B and the output (accumulator and
	 * output buffer), and bytes per element. */
	uint32_t ea, eb, eo;
	uint32_t bytes_a, bytes_b, bytes_acc, bytes_out;
	int bias;                      /* epilogue index of the bias, or -1 */
	bool bias_on[TZ_G_COUNT];      /* groups the bias varies along (BATCH, M, N) */
	bool bias_beat;                /* the bias can be each output tile's first beat (tz_beat_derive) */
	int beat_group;                /* the group its digit tiles run along: TZ_G_N, or TZ_G_BATCH */
	struct tz_direct dir;          /* whether and how the direct form streams it */
	/* In the GEMM form, the values of each tile of B's last row of tiles
	 * along N that DRAM holds (tz_gemm_b_bytes), when its rows past the
	 * operand's pad (a weight of 17 output channels in tiles of 16 rows)
	 * and narrow transfers (or, a tile of several elements, the DMA's zero
	 * padding) leave them out; else 0. */
	uint32_t b_narrow;
	/* A diagonal binding's values of each tile of B that DRAM holds, when
	 * diagonal loads put them on the diagonal (docs/isa.md): a's lanes,
	 * each lane tile's on its block of B's element (tz_diag_block);
	 * 0: B's tiles lie whole. */
	uint32_t b_diag;
	/* Where B's tile is several elements of a level under DRAM with
	 * narrow transfers (vector-mac's 32 rows of 32 values along K), the
	 * first values of each element that DRAM holds, when no tile has a
	 * value of the operand past them (an input of fewer channels than
	 * lanes: each window position's tile holds them alone); 0: elements
	 * whole. */
	uint32_t b_kvals;
};

/* Why an intrinsic cannot run an op. */
struct tz_reject {
	int intrinsic; /* -1: no intrinsic can run the op at all */
	char why[400];
};

struct tz_match {
	int nbindings;
	struct tz_binding *binding; /* best first (efficiency) */
	int nrejects;
	struct tz_reject reject[32];
	bool truncated;             /* more than TZ_MAX_BINDINGS */
	bool nomem;                 /* the bindings could not be allocated */
};

/* Every legal binding of op `op` to every intrinsic of hw, and, for each
 * intrinsic (and operand assignment) that has none, why.  0, or -1 when the
 * bindings cannot be allocated (TZ_MATCH_BINDINGS_BYTES; m holds none). */
#define TZ_MATCH_BINDINGS_BYTES (TZ_MAX_BINDINGS * sizeof(struct tz_binding))
int tz_match_op(const struct hw *hw, const struct ir_graph *g, int op, struct tz_match *m);
void tz_match_free(struct tz_match *m);
/* Fills the derived fields; 0, or -1 with the reason when the binding is not
 * legal (for bindings that did not come from tz_match_op). */
int tz_binding_derive(const struct hw *hw, const struct ir_graph *g, int op, struct tz_binding *b, char why[256]);
/* "gemm: i<-n.y.x j<-o k<-c | a=x b=w" */
void tz_binding_format(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_binding *b,
		       struct strbuf *out);
/* The same as one JSON object (docs/json.md, "binding_fields"): the
 * intrinsic, per dimension its size and the op iterators fused onto it, the
 * iterators outside it, the diagonal iterator or null, the tensor feeding
 * each operand, the efficiency and the output planes. */
void tz_binding_json(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_binding *b,
		     struct strbuf *out);

/* The GEMM form of a (derived, legal) binding. */
void tz_geometry_init(struct tz_geometry *geo, const struct hw *hw, const struct ir_graph *g, int op,
		      const struct tz_binding *b);
/* Fills d for the GEMM form geo (d->ok, or d->why); tz_geometry_init does. */
void tz_direct_derive(const struct tz_geometry *geo, struct tz_direct *d);

struct tz_mapping;
/* A direct mapping's block: its box of output points, the box of the input
 * it reads (with the windows' halo), and what each buffer holds. */
struct tz_direct_block {
	int64_t box_rows, box_cols;           /* output points of a whole block */
	int64_t stepped, row_blocks, col_blocks; /* blocks of M: their product */
	int64_t share, groups;                /* blocks along the rows sharing one box (tz_mapping's, 1 when
						 not), groups of them per column block */
	int64_t a_rows, a_cols;               /* the input box of a whole group, per lane tile */
	int64_t kt;                           /* lane tiles of a */
	int64_t chunks;                       /* a's layout groups a block loads (its lane tiles when ungrouped) */
	uint64_t box;                         /* elements of one of them: a_rows x a_cols x the layout's group */
	uint64_t slot_a, slot_b, slot_acc;    /* elements per buffer */
	uint64_t bias_off;                    /* the bias in an accumulator buffer (when not resident) */
	int64_t bias_resident;                /* the whole bias's tiles, kept after the buffers; 0: a block's part per block */
	int beat;                             /* the bias as each tile's first beat (enum tz_beat): no bias in the buffers */
	uint64_t uops;                        /* micro-ops of the kernels */
};
void tz_direct_block(const struct tz_geometry *geo, const struct tz_mapping *m, struct tz_direct_block *b);
/* Whether a block's lane tiles of a move in one transfer (its box is one
 * row: the lane tiles are the transfer's rows), and likewise its output
 * tiles in one store. */
bool tz_direct_folds_lanes(const struct tz_geometry *geo, const struct tz_mapping *m);
bool tz_direct_folds_outputs(const struct tz_geometry *geo, const struct tz_mapping *m);
/* Blocks along M. */
int64_t tz_direct_mblocks(const struct tz_geometry *geo, const struct tz_mapping *m);
/* The input box's extent along a's dimension dd (-1: 1) for a block of r
 * rows and c columns of output points, in values of the dimension it
 * reads over its step (a box of fewer rows or columns than the mapping's
 * at the edges: compiler/lower_direct.c). */
int64_t tz_direct_box_extent(const struct tz_geometry *geo, int dd, int64_t r, int64_t c);
/* Whether blocks sharing a box are worth offering (the space, the
 * defaults): only for blocks as large as the accumulator's buffers allow
 * (blocks of twice the rows do not fit).  Sharing is for the rows they
 * cannot hold: smaller blocks sharing a box store more often, and on a
 * narrow DRAM channel their stores meet the next box's load (vector-mac's
 * depthwise layers in blocks of two rows, four or seven to a box, ran
 * 10-17% slower than in blocks of the box's rows, which the estimate did
 * not see).  Any share lowers (tz_mapping_check). */
bool tz_direct_share_useful(const struct tz_geometry *geo, const struct tz_mapping *m);
/* Whether a direct mapping can be lowered (tz_mapping_check's part). */
int tz_direct_check(const struct tz_geometry *geo, const struct tz_mapping *m, char why[256]);
/* Block sizes worth trying (arrays of TZ_DIRECT_CANDIDATES): bm divisors of
 * the box's columns, whole rows of them, or rows of a divisor of the
 * columns (with box_rows[i] the rows, else 0), whole rows again with
 * share[i] of them reading one box (else 0), bn and bk divisors of their
 * tiles.  -1 when the binding has no direct form. */
enum { TZ_DIRECT_CANDIDATES = 160 };
int tz_direct_candidates(const struct tz_geometry *geo, int64_t *bm, int64_t *box_rows, int64_t *share, int *nbm, int64_t *bn,
			 int *nbn, int64_t *bk, int *nbk);
/* Every op iterator's value at the first point of a direct block: batch
 * combination bb, stepped M combination sidx, the box from row r0 and
 * column c0, lane tile ka of a and output tile nt. */
void tz_direct_point(const struct tz_geometry *geo, int64_t bb, int64_t sidx, int64_t r0, int64_t c0, int64_t ka,
		     int64_t nt, int64_t *it);
/* The bias of a direct mapping: [Bt?][Nt?] accumulator elements (only the
 * groups it varies along), as the accumulator holds them. */
uint64_t tz_direct_bias_bytes(const struct tz_geometry *geo);
void tz_direct_pack_bias(const struct tz_geometry *geo, const uint8_t *const *data, uint8_t *out);
/* B of a direct mapping, packed once: [Bt][Nt][lane tiles][window points]
 * tiles, in the GEMM form's rows of tiles (its last row narrow:
 * tz_gemm_b_offset); scratch holds tz_direct_b_bytes as well. */
uint64_t tz_direct_b_bytes(const struct tz_geometry *geo);
void tz_direct_pack_b(const struct tz_geometry *geo, const uint8_t *const *data, uint8_t *out, uint8_t *scratch);
/* Packed sizes in bytes. */
uint64_t tz_packed_a_bytes(const struct tz_geometry *geo);
uint64_t tz_packed_b_bytes(const struct tz_geometry *geo);
uint64_t tz_packed_bias_bytes(const struct tz_geometry *geo);
uint64_t tz_packed_out_bytes(const struct tz_geometry *geo); /* one plane */
/* Tiles of the bias along each group (1 where it does not vary). */
int64_t tz_bias_count(const struct tz_geometry *geo, enum tz_group gr);
/* Host-side packing: data[t] holds tensor t's bytes (row-major, its dtype).
 * A is [Bt][Mt][Kt] tiles, B [Bt][Nt][Kt] (its last row of tiles maybe
 * narrow: tz_gemm_b_bytes), the bias [Bt?][Mt?][Nt?] tiles of the
 * accumulator, each tile in its scratchpad's dtype; padding is zero. */
void tz_pack_a(const struct tz_geometry *geo, const uint8_t *const *data, uint8_t *out);
void tz_pack_b(const struct tz_geometry *geo, const uint8_t *const *data, uint8_t *out);
void tz_pack_bias(const struct tz_geometry *geo, const uint8_t *const *data, uint8_t *out);
/* B as the GEMM form holds it in DRAM (tz_pack_b's layout): [Bt][Nt][Kt]
 * tiles, except that with b_narrow each element of the last row of tiles
 * along N (of each batch) holds only its first b_narrow values, packed,
 * with b_kvals each element of every tile only its first b_kvals values,
 * and each batch ends at a whole element.  tz_gemm_b_offset is the byte
 * offset of tile (bb, n, k), tz_gemm_b_tile_bytes the bytes of a tile of
 * row n. */
uint64_t tz_gemm_b_bytes(const struct tz_geometry *geo);
/* Of them, those its tiles hold (what loading all of B reads). */
uint64_t tz_gemm_b_data_bytes(const struct tz_geometry *geo);
uint64_t tz_gemm_b_offset(const struct tz_geometry *geo, int64_t bb, int64_t n, int64_t k);
/* The bytes DRAM holds of each element of B's tiles (b_kvals' values, or whole). */
uint64_t tz_gemm_b_elem_bytes(const struct tz_geometry *geo);
uint64_t tz_gemm_b_tile_bytes(const struct tz_geometry *geo, int64_t n);
/* The diagonal block (1-based) of B's element that holds a diagonal
 * binding's lane tile k (a's lane t feeding output lane k·lanes + t) as a
 * diagonal load places it, or 0 where none does. */
uint32_t tz_diag_block(const struct tz_geometry *geo, int64_t k);
/* The output, [planes][Bt][Mt][Nt] tiles of the output buffer, back into the
 * op's output tensor (its dtype): plane p holds bits 8p·b... of each value,
 * where b is the output buffer's bytes per value. */
void tz_unpack_out(const struct tz_geometry *geo, const uint8_t *packed, uint8_t *tensor);

/* A mapping: a binding plus how the GEMM form is blocked for the
 * scratchpads — bm x bn output tiles and bk reduction tiles per step, which
 * block loop is outermost, and how many buffers each operand has (2: the
 * next block loads while this one computes).  tensorize/mapping.c. */
struct tz_mapping {
	struct tz_binding b;
	int64_t bm, bn, bk;       /* tiles per block: output rows, output columns, reduction */
	bool n_outer;             /* n blocks outermost (the B block stays), else m blocks (A stays) */
	/* 1 or 2 buffers each; in the GEMM form, the inner block loop's operand
	 * (B in order mn, A in nm) may have as many as a pass of the outer loop
	 * has blocks of it (tz_pass_ring, at most TZ_MAX_RING): they all stay,
	 * loaded in the first pass only. */
	int ring_a, ring_b, ring_acc;
	/* The whole packed A / B stays in the shared level (the tile at that
	 * level: loaded from DRAM once, blocks then come from there), else
	 * blocks are staged through it.  Only with one shared level. */
	bool keep_a, keep_b;
	/* The direct form (geo->dir.ok): A streamed from its DRAM layout, a
	 * block being bm points of the box (a part of a row, or whole rows) by
	 * bn output tiles, over bk lane tiles and every window position. */
	bool direct;
	/* The direct form's block as box_rows rows of bm / box_rows columns,
	 * a part of each row: where a row of the box does not fit, a block of
	 * several rows reads each input row's halo fewer times than one-row
	 * blocks do.  0: one row when bm is at most a row, else whole rows. */
	int64_t box_rows;
	/* The shared level as a tiling level: the operand of the inner block
	 * loop (B in order mn, A in nm), kept, in panels of `panel` of its
	 * blocks (all its reduction tiles) instead of whole.  A panel loop
	 * runs outside the block loops; each panel loads from DRAM once, as
	 * its first block needs it, and the outer operand is read once per
	 * panel.  0: the whole operand (or not kept). */
	int64_t panel;
	/* The direct form's blocks of whole rows, `share` consecutive ones
	 * reading one input box loaded once: the box of their rows, whose
	 * halo rows between them are read once instead of once per block
	 * (each block's micro-ops start at its rows in the box).  0 or 1:
	 * a box per block. */
	int64_t share;
};

enum { TZ_MAX_RING = 16 };
/* The blocks of the inner block loop's operand in a pass of the outer loop
 * (its blocks along its side times the reduction's): the buffers that keep
 * them all. */
int64_t tz_pass_ring(const struct tz_geometry *geo, const struct tz_mapping *m);
/* Whether the default mappings try it: more than two blocks, at most
 * TZ_MAX_RING, kept for a second pass of the outer loop in a single batch
 * (the estimate does not rank them well across batches, nor where one
 * pass has nothing to keep them for). */
bool tz_pass_ring_useful(const struct tz_geometry *geo, const struct tz_mapping *m);

/* Why a mapping cannot be lowered on this hardware (a block does not fit
 * its scratchpad, a loop its field, ...): 0, or -1 with the reason. */
int tz_mapping_check(const struct tz_geometry *geo, const struct tz_mapping *m, char why[256]);
/* A good mapping found without measuring: the analytical estimate below,
 * minimised over block sizes and loop orders that fit.  -1 (with why) when
 * nothing fits. */
int tz_default_mapping(const struct tz_geometry *geo, struct tz_mapping *m, char why[256]);
/* The same among direct mappings (geo->dir.ok), which stream A and the
 * output through their DRAM layouts.  -1 (with why) when none fits. */
int tz_default_direct(const struct tz_geometry *geo, struct tz_mapping *m, char why[256]);
/* The fastest (estimated) direct mapping whose estimated DRAM reads are at
 * most `bytes`: 0, or -1 when none reads so little. */
int tz_direct_reading_at_most(const struct tz_geometry *geo, double bytes, struct tz_mapping *m);
/* Estimated cycles of a mapping (compute, DMA, their overlap). */
double tz_estimate_cycles(const struct tz_geometry *geo, const struct tz_mapping *m);
/* How many cycles DRAM reads are worth: a mapping reading 2^4 = 16 times
 * less may take twice the cycles.  DRAM is the costliest action of such a
 * machine (a byte costs about a thousand 8-bit MACs in energy at 45 nm,
 * docs/compiler.md), so an architect accepts some cycles for much less
 * traffic; the exponent is small so that the cycles still decide between
 * mappings that read alike. */
#define TZ_DRAM_EXPONENT 0.25
/* What the defaults minimise, between the mappings of a form and (with
 * the GEMM form's margin, compiler/compile.c) between forms: the
 * estimated cycles times the estimated DRAM reads^TZ_DRAM_EXPONENT. */
double tz_estimate_cost(const struct tz_geometry *geo, const struct tz_mapping *m);
/* Whether the next step's loads overlap this step's compute: both operands
 * double-buffered, or, in the direct form, one double-buffered and the
 * other loaded once for the whole op. */
bool tz_prefetches(const struct tz_geometry *geo, const struct tz_mapping *m);
/* Whether the mapping's output blocks alternate the order of their
 * reduction blocks (forward, then backward, then forward ...), so that a
 * block starts from the reduction blocks the one before ended with, still
 * in the buffers of the operand they share: where the sum is exact
 * (integers, in any order) and there are several reduction blocks. */
bool tz_serpentine(const struct tz_geometry *geo, const struct tz_mapping *m);
/* The version of the lowering a mapping's measured cycles belong to, kept
 * with every tuning record (tensorize/records.c): one more whenever a
 * change to the lowering or its rules changes what a mapping measures, so
 * that records measured before are kept but no longer taken as this
 * lowering's.  0: before versions; 1: the serpentine order; 2: the bias
 * beat (tz_bias_beat); 3: B's last row of tiles narrow in the GEMM form
 * (tz_geometry's b_narrow); 4: a diagonal binding's B tiles as their
 * diagonals, by diagonal loads (tz_geometry's b_diag); 5: B's elements as
 * their first values along K (tz_geometry's b_kvals); 6: the GEMM form's
 * bias resident where it varies along the batch too (tz_bias_resident); 7:
 * a layout's last block of fewer values than lanes packed (tz_layout's
 * tail). */
enum { TZ_LOWERING_VERSION = 7 };
/* Bytes it reads from DRAM (estimated: blocks as often as they are loaded). */
double tz_estimate_dram_read(const struct tz_geometry *geo, const struct tz_mapping *m);

/* Cycles of `count` DMA transfers of `bytes` in all between DRAM and
 * `level`: one DMA instruction per hop of the path (DRAM, each shared
 * level, the level; compiler/lower_dma.c stages a block through every
 * shared level), which the module filling the level runs one after
 * another, each hop over the slower of its two ends and paying the latency
 * of the level it reads from (count 0: the bytes' time alone). */
double tz_transfer_cycles(const struct hw *hw, int level, double bytes, double count);
/* Its parts: compute, load and store module cycles, and the total. */
void tz_estimate_parts(const struct tz_geometry *geo, const struct tz_mapping *m, double parts[4]);
/* ---- staging.c: the shared levels ---- */
/* The one shared level (the scratchpads' parent), or -1 (none, or several:
 * operands are kept in a shared level only where there is one). */
int tz_shared_level(const struct hw *hw);
/* The alignment of the areas in a shared level. */
uint64_t tz_shared_align(const struct hw *hw);
/* Bytes every shared level between DRAM and level l moves whole: the least
 * common multiple of their elements' (1 under DRAM).  Values staged packed
 * lie from a multiple of it, their run rounded out to it. */
uint64_t tz_stage_unit(const struct hw *hw, int l);
/* Areas of size[i] bytes, one after another in every shared level (every
 * transfer between DRAM and a scratchpad passes through all of them), each
 * at a multiple of `align` and of the level's element: area i at byte
 * at[i][s] of level s (at NULL: only whether they fit).  -1 when they fit
 * every level, else the first level they overflow, with the bytes they
 * would take there in *need.  The lowering places its areas by it and
 * matching checks the fit by it (tz_stage_check). */
int tz_stage_areas(const struct hw *hw, const uint64_t *size, int n, uint64_t align, uint64_t *const *at,
		   uint64_t *need);
/* Whether those areas fit every shared level: 0, or -1 with why ("WHAT
 * need N bytes of shared level 'S', which has C"). */
int tz_stage_check(const struct hw *hw, const uint64_t *size, int n, uint64_t align, const char *what, char why[256]);
/* Whether elements of level `level` are a whole number of every shared
 * level's, which a transfer through them moves: 0, or -1 with why. */
int tz_staged_whole(const struct hw *hw, int level, char why[256]);

/* Bytes the mapping needs in each shared level: staging areas and kept
 * operands, each aligned, in this order: A, B and output blocks, micro-ops,
 * two bias areas, kept A, kept B (compiler/lower_gemm.c lays them out so, or
 * smaller); 0 without a shared level. */
uint64_t tz_shared_bytes(const struct tz_geometry *geo, const struct tz_mapping *m);
/* Whether they fit every shared level (tz_stage_check): 0, or -1 with why. */
int tz_shared_check(const struct tz_geometry *geo, const struct tz_mapping *m, char why[256]);
/* Whether operand `which` (0: A, 1: B) is kept in panels: the inner block
 * loop's operand of a mapping with `panel`. */
static inline bool tz_in_panels(const struct tz_mapping *m, int which)
{
	return m->panel > 0 && which == (m->n_outer ? 0 : 1);
}
/* Panels of a mapping's kept inner operand (1: whole, or none). */
int64_t tz_panels(const struct tz_geometry *geo, const struct tz_mapping *m);
/* The bytes a kept operand (0: A, 1: B) takes in the shared level: the
 * whole packed operand, one panel of it, or 0 when it is not kept. */
uint64_t tz_kept_bytes(const struct tz_geometry *geo, const struct tz_mapping *m, int which);
/* Where m keeps its inner operand whole and that does not fit the shared
 * level: the largest panel that fits (m->panel set, 0), else -1. */
int tz_fit_panel(const struct tz_geometry *geo, struct tz_mapping *m);
/* The staging areas of a shared level, one after another (each aligned to
 * tz_shared_align): a block of A, of B, of the output, the micro-op
 * kernels (`uops` of them), two of the bias, the kept A and B. */
enum { TZ_SHARED_AREAS = 8 };
void tz_shared_areas(const struct tz_geometry *geo, const struct tz_mapping *m, uint64_t uops,
		     uint64_t size[TZ_SHARED_AREAS]);
/* The group (TZ_G_M, TZ_G_N or TZ_G_BATCH: a diagonal binding's channel
 * tiles, or a bias along the batch alone) along which the whole bias stays
 * in the accumulator for the op, loaded once — in the GEMM form each batch
 * index's after the other's where it varies along the batch too — or -1:
 * it is loaded per output block (it varies along M and N, or does not
 * fit). */
int tz_bias_resident(const struct tz_geometry *geo, const struct tz_mapping *m);
/* Where a resident bias lies in the accumulator: its group
 * (tz_bias_resident's, or -1), its output tiles per block along it, the
 * batch indices it varies along besides (the GEMM form's grouped layers,
 * else 1), its tiles over them all, and its blocks per batch index (one
 * micro-op kernel each). */
struct tz_bias_home {
	int group;
	int64_t per, batches, tiles, blocks;
};
void tz_bias_home(const struct tz_geometry *geo, const struct tz_mapping *m, struct tz_bias_home *h);
/* Whether each output block of the GEMM form starts from its bias, loaded
 * into the block (repeated over its rows: a DMA row stride of 0) before the
 * first reduction tile accumulates onto it, instead of from zero with an
 * ALU `add` of the bias after the last: where the bias is the first
 * epilogue of an integer sum, varies along N (and maybe M) alone, and the
 * block's bias comes over the accumulator's DMA in fewer cycles than one
 * ALU pass over the block takes. */
bool tz_bias_init(const struct tz_geometry *geo, const struct tz_mapping *m);
/* Bytes a cycle the accumulator's DMA fills it at: the slower of its port
 * and its parent's (a shared level, or DRAM). */
double tz_bias_fill_bandwidth(const struct hw *hw);
/* The compute module's cycles for the bias of an op of `outs` output
 * blocks without the beat: filled into each block (init), loaded whole once
 * (resident), or a block's per output block. */
double tz_bias_compute_cycles(const struct tz_geometry *geo, const struct tz_mapping *m, double outs, bool init,
			      bool resident);
/* Whether each output tile starts from its bias as the first beat of the
 * intrinsic (tensorize/beat.c): a constant A tile of place values times a B
 * tile of the bias's digits, with `reset`, instead of from zero with an
 * ALU `add` after the last reduction tile.  Where the geometry allows it
 * (tz_geometry.bias_beat) and the place values, the digit tiles and their
 * kernels fit beside the mapping's buffers: every digit tile, loaded once
 * (resident), or else an output block's, in one of two buffers, loaded
 * when its block's are not there; before tz_bias_init. */
enum tz_beat { TZ_BEAT_NONE, TZ_BEAT_RESIDENT, TZ_BEAT_PER_BLOCK };
enum { TZ_BEAT_BUFFERS = 2 };
bool tz_bias_beat(const struct tz_geometry *geo, const struct tz_mapping *m);
enum tz_beat tz_beat_mode(const struct tz_geometry *geo, const struct tz_mapping *m);
/* Sets geo->bias_beat: the bias is the first epilogue of an integer sum of
 * products, varies along N or the batch alone (geo->beat_group), is a constant
 * whose range digits of B's dtype hold, the intrinsic's operands are one
 * element a tile, loaded from DRAM, and a beat takes fewer cycles than the
 * ALU over an element. */
void tz_beat_derive(struct tz_geometry *geo);
/* How the place values (one element after ring_a buffers of slot_a), the
 * digit tiles (after ring_b of slot_b) and the beat's kernels (after
 * `uops`) fit their scratchpads: every digit tile, else a block's twice, else not. */
enum tz_beat tz_beat_fits(const struct tz_geometry *geo, const struct tz_mapping *m, uint64_t slot_a, uint64_t slot_b,
			  uint64_t uops);
/* Micro-ops of the beat's kernels: per accumulator buffer, a kernel per
 * block of output tiles along N or per batch index (resident), or per digit
 * buffer (per block), of tz_beat_kernel_uops each: one, with the
 * instruction's loop over the block's tiles, or in the direct form one per
 * output tile of the block. */
uint64_t tz_beat_uops(const struct tz_geometry *geo, const struct tz_mapping *m, enum tz_beat mode);
int64_t tz_beat_kernels(const struct tz_geometry *geo, const struct tz_mapping *m, enum tz_beat mode);
int64_t tz_beat_kernel_uops(const struct tz_mapping *m);
/* Digit tiles an output block starts from: its bn along N, or one. */
int64_t tz_beat_block_tiles(const struct tz_geometry *geo, const struct tz_mapping *m);
/* Loads of a block's digit tiles (TZ_BEAT_PER_BLOCK; else 0): one per
 * output block whose digits neither buffer holds, in the blocks' order. */
double tz_beat_loads(const struct tz_geometry *geo, const struct tz_mapping *m);
/* Bytes of the digit tiles: one B element per output tile along the group. */
uint64_t tz_beat_digit_bytes(const struct tz_geometry *geo);
/* The place values (one A element, geo->bytes_a) and the digit tiles
 * (tz_beat_digit_bytes) from the packed bias (tz_pack_bias's or
 * tz_direct_pack_bias's: per output tile along the group, its lanes);
 * false when the digits cannot hold a value (data outside the bounds the
 * tensor was given). */
bool tz_pack_beat(const struct tz_geometry *geo, const uint8_t *bias, uint8_t *place, uint8_t *digit);
/* The ALU operations (1 or 2) an epilogue takes on this hardware, with
 * their immediates (a bias: one add of the loaded bias); -1 when none can.
 * A clip symmetric the ALU's way is one `clip`, others `max` then `min`. */
int tz_epilogue_alu(const struct hw *hw, enum dtype acc, const struct ir_epilogue *ep, enum hw_alu_op op[2],
		    int64_t imm[2]);
/* One ALU pass of an op's epilogues: `op` with the immediate `imm`, or
 * (bias) an `add` of the bias loaded into the accumulator. */
struct tz_pass {
	enum hw_alu_op op;
	bool bias;
	int64_t imm;
};
enum { TZ_MAX_PASSES = 2 * IR_MAX_EPILOGUES };
/* The ALU passes of the op's epilogues in order, fused where the ALU
 * allows (tensorize/epilogue.c): what the lowering emits and the estimate
 * counts.  -1 when an epilogue has none (matching refuses those). */
int tz_epilogue_passes(const struct hw *hw, const struct ir_op *op, bool bias_init, struct tz_pass *out);
/* Block sizes worth trying along an axis of n tiles: the powers of two
 * below n, and n split evenly into 1 to 8 blocks (at most 40). */
int tz_block_candidates(int64_t n, int64_t *out);
/* "bm=4 bn=2 bk=36 order=mn buffers=2/2/2" */
void tz_mapping_format(const struct tz_mapping *m, struct strbuf *out);
/* The same as one JSON object (docs/json.md, "mapping_fields"):
 * {"bm":4,"bn":2,"bk":36,"order":"mn","buffers":{"a":2,"b":2,"acc":2},
 *  "keep":{"a":false,"b":false},"direct":false,"box_rows":0,"panel":0} */
void tz_mapping_json(const struct tz_mapping *m, struct strbuf *out);

/* ---- tensorize/pool.c: max pooling on the vector ALU ---- */

/* A max pool's direct form (docs/tensorize.md, "Max pooling on the vector
 * ALU"): the input read in its DRAM layout, a block of output rows x
 * columns at a time, by a box with its halo (the DMA's zero padding, the
 * least value written over it); an intrinsic whose B tile is the identity
 * widens the box into the accumulator, where the ALU takes each window
 * position at a micro-op offset; the output stored in its layout.  Index 0
 * of the pairs is the rows, 1 the columns (the input's two innermost
 * dimensions but the lane; rows absent, -1, for a window along one). */
struct tz_pool_box {
	bool ok;
	char why[200];
	int intrinsic;
	uint32_t groups;              /* a's elements per accumulator element (its lanes / a's) */
	int row_iter;                 /* a banded op's rows, along the elements' rows (-1: none) */
	uint32_t rows;                /* the elements' rows of points (1: an element's values are lanes) */
	struct tz_layout in, out;     /* in: `groups` of a's elements stored together, as the output's one */
	int in_dim[2], out_dim[2];
	int iter[2], win[2];          /* the output point's and the window's iterators (-1: none) */
	int64_t stride[2], dilation[2], offset[2];
	int64_t extent[2], window[2]; /* output points, window positions */
	int64_t size[2];              /* the input's extent */
	int64_t block[2];             /* output points per block */
	int64_t box[2];               /* the box a block reads, halo included */
	int64_t pad[4];               /* the most padding before and after, rows then columns */
	int64_t fill;                 /* the ALU immediate written over the padding */
};

struct tz_pool {
	int lane_iter;   /* the op iterator along an accumulator element's values */
	int64_t lanes;   /* values per accumulator element */
	int64_t tiles;   /* lane tiles: ceil(extent of lane_iter / lanes) */
	int64_t pixels;  /* product of the other spatial extents */
	int64_t window;  /* product of the reduction extents */
	struct tz_pool_box box;
};

/* Whether op `op` (out max= in) runs on the ALU of hw, in the direct form
 * (p->box.ok) or the windows form: 0, or -1 with why. */
int tz_pool_match(const struct hw *hw, const struct ir_graph *g, int op, struct tz_pool *p, char why[256]);
/* The windows form's pixels per block: two buffers of (window + 1)
 * accumulator elements per pixel, within the accumulator, the ISA's loop
 * extent and the shared levels (0: one pixel's window does not fit). */
int64_t tz_pool_windows_block(const struct hw *hw, const struct tz_pool *p);
/* The staging areas of each form in the shared levels, in the order
 * compiler/lower_pool.c lays them out (tz_stage_areas), sizes in bytes;
 * returns their alignment.  The windows form, a block of `block` pixels:
 * its two window buffers, the micro-ops, an output block.  The direct
 * form, a block of r x c output points: its two boxes, the identity tiles,
 * `uops` micro-ops (tz_pool_box_uops: the kernels of both buffers), an
 * output block.  Matching chooses blocks whose areas fit every level. */
enum { TZ_POOL_WINDOWS_AREAS = 4, TZ_POOL_BOX_AREAS = 5 };
uint64_t tz_pool_windows_areas(const struct hw *hw, const struct tz_pool *p, int64_t block,
			       uint64_t size[TZ_POOL_WINDOWS_AREAS]);
uint64_t tz_pool_box_areas(const struct hw *hw, const struct tz_pool_box *b, int64_t r, int64_t c, uint64_t uops,
			   uint64_t size[TZ_POOL_BOX_AREAS]);
uint64_t tz_pool_box_uops(const struct tz_pool_box *b);
/* Blocks along rows (k = 0) or columns (1), and the first output point of
 * block blk along them: a last block that would pass the end starts
 * earlier, over points the block before computed too (their max again:
 * the same values, stored again). */
int64_t tz_pool_box_blocks(const struct tz_pool_box *b, int k);
int64_t tz_pool_block_start(const struct tz_pool_box *b, int k, int64_t blk);
/* The box's accumulator elements (per buffer; times `groups` in the input
 * buffer). */
uint64_t tz_pool_box_acc(const struct tz_pool_box *b);
/* The identity B tiles of the box's intrinsic, one per group (`groups`
 * weight-buffer elements): tile g takes a's values to the accumulator
 * lanes g·(a's lanes)...; a vector MAC's, a row of ones. */
void tz_pool_identity(const struct hw *hw, const struct tz_pool_box *b, uint8_t *out);
/* The op's cost in tz_estimate_cost's terms: cycles (its DRAM reads — the
 * boxes, or the host's packed windows — over the DRAM's bandwidth, or the
 * ALU's passes over its accumulator elements, whichever is more) times
 * those reads^TZ_DRAM_EXPONENT; to weigh its forms (cc_rewrite's bands). */
double tz_pool_cost(const struct hw *hw, const struct tz_pool *p);
/* The input as [tiles][pixels][window] accumulator elements. */
uint64_t tz_pool_packed_bytes(const struct hw *hw, const struct tz_pool *p);
void tz_pool_pack(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_pool *p,
		  const uint8_t *const *data, uint8_t *out);
/* The output, [tiles][pixels] elements of the output buffer, into the tensor. */
void tz_pool_unpack(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_pool *p,
		    const uint8_t *packed, uint8_t *tensor);

#ifdef __cplusplus
}
#endif

#endif
