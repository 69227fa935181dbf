/* isa: the instruction set derived from one `struct hw`.
 *
 * Every instruction is a fixed-width little-endian bit string
 * (isa.instruction_bits).  Its fields are packed from bit 0 upward in the
 * order of ISA_FIELDS below, keeping only the fields of its kind:
 *
 *   bit 0                                                 instruction_bits-1
 *   | opcode | pop_prev pop_next push_prev push_next | kind fields ... | 0 |
 *
 * Field widths come from the hardware description (buffer depths, DMA limits,
 * loop extents, immediate width), so this one table is what the encoder,
 * decoder, assembler, disassembler, docs/isa.md and the RTL's Verilog header
 * are all generated from.  Nothing about the instruction layout is written
 * down anywhere else. */
#ifndef TESSEL_ISA_H
#define TESSEL_ISA_H

#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/strbuf.h"
#include "hwdesc/energy.h"
#include "hwdesc/hw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The three modules that execute instructions, in pipeline order: a
 * module's *prev* is the one before it, its *next* the one after.
 * X(id, name, depth of its instruction queue in struct hw_queues) */
#define ISA_QUEUES(X)               \
	X(LOAD, "load", load)          \
	X(COMPUTE, "compute", compute) \
	X(STORE, "store", store)

enum isa_queue {
#define X(id, name, depth) ISA_Q_##id,
	ISA_QUEUES(X)
#undef X
	ISA_Q_COUNT
};

/* The dependency-token queues, each with one producer and one consumer
 * module, which must be neighbours.  A producer pushes toward its consumer
 * (push_next when the consumer comes after it, else push_prev); the consumer
 * pops from its producer (pop_prev when the producer comes before it).
 * X(id, name, producer, consumer) */
#define ISA_TOKENS(X)                                \
	X(L2C, "load->compute", LOAD, COMPUTE)        \
	X(C2L, "compute->load", COMPUTE, LOAD)        \
	X(C2S, "compute->store", COMPUTE, STORE)      \
	X(S2C, "store->compute", STORE, COMPUTE)

enum isa_token {
#define X(id, name, from, to) ISA_T_##id,
	ISA_TOKENS(X)
#undef X
	ISA_T_COUNT
};

/* How an instruction class is routed to the module that runs it: one of
 * the modules, or decided by a field. */
enum isa_route {
#define X(id, name, depth) ISA_R_##id,
	ISA_QUEUES(X)
#undef X
	ISA_R_QUEUE_FIELD, /* the module its `queue` field names */
	ISA_R_BUFFER,      /* the module that fills the buffer it loads (ISA_FILLERS) */
};

/* Which module's DMA fills each kind of on-chip level: as in VTA, compute
 * loads its own accumulator and micro-ops.  Nothing loads the output buffer
 * (isa_check_insn refuses it); it is listed for completeness.
 * X(hw role, module) */
#define ISA_FILLERS(X)           \
	X(SHARED, LOAD)           \
	X(INPUT, LOAD)            \
	X(WEIGHT, LOAD)           \
	X(ACCUMULATOR, COMPUTE)   \
	X(OUTPUT, LOAD)           \
	X(UOP, COMPUTE)

/* Instruction classes.  An opcode per class, except GEMM: one opcode per
 * intrinsic the hardware declares, named after it.
 * X(id, mnemonic, route to its module, what it does) */
#define ISA_CLASSES(X)                                                                          \
	X(SYNC, "sync", ISA_R_QUEUE_FIELD, "exchange dependency tokens only (a NOP when none)") \
	X(LOAD, "load", ISA_R_BUFFER, "2D strided DMA from the parent level into a buffer, with zero padding") \
	X(STORE, "store", ISA_R_STORE, "2D strided DMA from a buffer to its parent level")       \
	X(ALU, "alu", ISA_R_COMPUTE, "vector ALU over a two-level loop of micro-ops")            \
	X(FINISH, "finish", ISA_R_COMPUTE, "end of program")                                     \
	X(GEMM, "", ISA_R_COMPUTE, "the intrinsic over a two-level loop of micro-ops")

enum isa_class {
#define X(id, mn, route, what) ISA_CLASS_##id,
	ISA_CLASSES(X)
#undef X
	ISA_CLASS_COUNT
};

#define ISA_K(c) (1u << ISA_CLASS_##c)
#define ISA_K_ALL ((1u << ISA_CLASS_COUNT) - 1)
#define ISA_K_MEM (ISA_K(LOAD) | ISA_K(STORE))
#define ISA_K_LOOP (ISA_K(ALU) | ISA_K(GEMM))

/* How wide a field is: each width is derived from the hardware. */
enum isa_width {
	ISA_W_OPCODE,    /* enough for every instruction kind */
	ISA_W_ONE,       /* a single bit */
	ISA_W_QUEUE,     /* load, compute or store */
	ISA_W_BUFFER,    /* which on-chip level */
	ISA_W_INDEX,     /* element index into the deepest on-chip level */
	ISA_W_ADDR,      /* dram.address_bits */
	ISA_W_ROWS,      /* dma.max_rows */
	ISA_W_COLS,      /* dma.max_cols */
	ISA_W_STRIDE,    /* dma.max_stride */
	ISA_W_PAD,       /* dma.max_pad */
	ISA_W_VALUES,    /* values of an element (narrow transfers) */
	ISA_W_DIAG,      /* diagonal blocks of a weight element (diagonal loads) */
	ISA_W_UOP_INDEX, /* index into the micro-op buffer */
	ISA_W_UOP_END,   /* one past the last micro-op (may equal the depth) */
	ISA_W_LOOP,      /* isa.max_loop_extent */
	ISA_W_DST,       /* accumulator index */
	ISA_W_SRC,       /* input or accumulator index */
	ISA_W_WGT,       /* weight index */
	ISA_W_ALU_OP,    /* ALU opcode */
	ISA_W_IMM,       /* alu.imm_bits, signed */
	ISA_W_COUNT
};

/* How a field's value is written in assembly. */
enum isa_value {
	ISA_V_UINT,   /* name=N */
	ISA_V_SINT,   /* name=-N, two's complement */
	ISA_V_FLAG,   /* the bare word `name` sets it */
	ISA_V_QUEUE,  /* name=load|compute|store */
	ISA_V_BUFFER, /* name=LEVEL (a level name from the hardware) */
	ISA_V_ALU_OP, /* name=min|max|... */
};

/* The field table.  Order = bit order, low bits first.
 * X(id, assembly name, width, value kind, classes that have it, meaning) */
#define ISA_FIELDS(X)                                                                               \
	X(OPCODE, "opcode", ISA_W_OPCODE, ISA_V_UINT, ISA_K_ALL, "instruction kind")                 \
	X(POP_PREV, "pop_prev", ISA_W_ONE, ISA_V_FLAG, ISA_K_ALL, "wait for a token from the previous module") \
	X(POP_NEXT, "pop_next", ISA_W_ONE, ISA_V_FLAG, ISA_K_ALL, "wait for a token from the next module") \
	X(PUSH_PREV, "push_prev", ISA_W_ONE, ISA_V_FLAG, ISA_K_ALL, "send a token to the previous module when done") \
	X(PUSH_NEXT, "push_next", ISA_W_ONE, ISA_V_FLAG, ISA_K_ALL, "send a token to the next module when done") \
	X(QUEUE, "queue", ISA_W_QUEUE, ISA_V_QUEUE, ISA_K(SYNC), "module that executes the sync")     \
	X(BUF, "buf", ISA_W_BUFFER, ISA_V_BUFFER, ISA_K_MEM, "on-chip level loaded or stored")         \
	X(IDX, "idx", ISA_W_INDEX, ISA_V_UINT, ISA_K_MEM, "first element in the on-chip level")         \
	X(ADDR, "addr", ISA_W_ADDR, ISA_V_UINT, ISA_K_MEM, "first element in the parent level, in elements of buf") \
	X(YSIZE, "ysize", ISA_W_ROWS, ISA_V_UINT, ISA_K_MEM, "rows")                                 \
	X(XSIZE, "xsize", ISA_W_COLS, ISA_V_UINT, ISA_K_MEM, "elements per row")                     \
	X(XSTRIDE, "xstride", ISA_W_STRIDE, ISA_V_UINT, ISA_K_MEM, "elements between row starts in the parent") \
	X(YPAD0, "ypad0", ISA_W_PAD, ISA_V_UINT, ISA_K(LOAD), "zero rows before")                    \
	X(YPAD1, "ypad1", ISA_W_PAD, ISA_V_UINT, ISA_K(LOAD), "zero rows after")                     \
	X(XPAD0, "xpad0", ISA_W_PAD, ISA_V_UINT, ISA_K(LOAD), "zero elements before each row")       \
	X(XPAD1, "xpad1", ISA_W_PAD, ISA_V_UINT, ISA_K(LOAD), "zero elements after each row")        \
	X(VALUES, "values", ISA_W_VALUES, ISA_V_UINT, ISA_K_MEM, "values of each element the parent holds, packed (0: all)") \
	X(DIAG, "diag", ISA_W_DIAG, ISA_V_UINT, ISA_K(LOAD), "diagonal block the values go on (0: none)") \
	X(RESET, "reset", ISA_W_ONE, ISA_V_UINT, ISA_K(GEMM), "start the destination tile from zero instead of accumulating onto it") \
	X(UOP_BEGIN, "uop_begin", ISA_W_UOP_INDEX, ISA_V_UINT, ISA_K_LOOP, "first micro-op")          \
	X(UOP_END, "uop_end", ISA_W_UOP_END, ISA_V_UINT, ISA_K_LOOP, "one past the last micro-op")    \
	X(ITER_OUT, "iter_out", ISA_W_LOOP, ISA_V_UINT, ISA_K_LOOP, "outer loop extent")             \
	X(ITER_IN, "iter_in", ISA_W_LOOP, ISA_V_UINT, ISA_K_LOOP, "inner loop extent")               \
	X(DST_OUT, "dst_out", ISA_W_DST, ISA_V_UINT, ISA_K_LOOP, "destination index step per outer iteration") \
	X(DST_IN, "dst_in", ISA_W_DST, ISA_V_UINT, ISA_K_LOOP, "destination index step per inner iteration") \
	X(SRC_OUT, "src_out", ISA_W_SRC, ISA_V_UINT, ISA_K_LOOP, "source index step per outer iteration") \
	X(SRC_IN, "src_in", ISA_W_SRC, ISA_V_UINT, ISA_K_LOOP, "source index step per inner iteration") \
	X(WGT_OUT, "wgt_out", ISA_W_WGT, ISA_V_UINT, ISA_K(GEMM), "weight index step per outer iteration") \
	X(WGT_IN, "wgt_in", ISA_W_WGT, ISA_V_UINT, ISA_K(GEMM), "weight index step per inner iteration") \
	X(ALU_OP, "op", ISA_W_ALU_OP, ISA_V_ALU_OP, ISA_K(ALU), "ALU operation")                     \
	X(USE_IMM, "use_imm", ISA_W_ONE, ISA_V_UINT, ISA_K(ALU), "second operand is imm, not src")   \
	X(IMM, "imm", ISA_W_IMM, ISA_V_SINT, ISA_K(ALU), "signed immediate")

enum isa_field {
#define X(id, name, w, v, k, what) ISA_F_##id,
	ISA_FIELDS(X)
#undef X
	ISA_F_COUNT
};

enum {
	ISA_MAX_KINDS = ISA_CLASS_COUNT - 1 + HW_MAX_INTRINSICS,
	ISA_MAX_INSN_BYTES = 32,
};

struct isa_slot {
	uint8_t offset, width; /* width 0: the kind has no such field */
};

/* One opcode. */
struct isa_kind {
	enum isa_class cls;
	int intrinsic;                 /* for GEMM kinds: index into hw.intrinsic */
	const char *mnemonic;          /* points into the hw or a static table */
	uint32_t opcode;
	uint32_t bits_used;
	struct isa_slot slot[ISA_F_COUNT];
};

/* The micro-op's fields.  Order = bit order, low bits first, from bit 0;
 * bits above the last are reserved (zero).  The encoder, decoder, checker,
 * assembler, disassembler, random programs, docs/isa.md and the Verilog
 * header all read this table.
 * X(id, member of struct isa_uop and assembly name, width, meaning) */
#define ISA_UOP_FIELDS(X)                                                   \
	X(DST, dst, ISA_W_DST, "accumulator index")                          \
	X(SRC, src, ISA_W_SRC, "input (GEMM) or accumulator (ALU) index")    \
	X(WGT, wgt, ISA_W_WGT, "weight index")

enum isa_uop_field {
#define X(id, name, w, what) ISA_U_##id,
	ISA_UOP_FIELDS(X)
#undef X
	ISA_U_COUNT
};

/* A micro-op: one member per field. */
struct isa_uop {
#define X(id, name, w, what) uint32_t name;
	ISA_UOP_FIELDS(X)
#undef X
};

struct isa_layout {
	const struct hw *hw;
	uint32_t insn_bits, insn_bytes;
	uint32_t width[ISA_W_COUNT];
	int nkinds;
	struct isa_kind kind[ISA_MAX_KINDS];
	/* uop_dst, uop_src, ...: where each micro-op field sits */
#define X(id, name, w, what) struct isa_slot uop_##name;
	ISA_UOP_FIELDS(X)
#undef X
	uint32_t uop_bits, uop_bytes;
};

/* A decoded instruction: its kind (index into layout.kind) and field values.
 * Fields the kind lacks are 0. */
struct isa_insn {
	int kind;
	int64_t f[ISA_F_COUNT];
};

/* Derive the layout; fails (with the place in the YAML to change) when a
 * kind or the micro-op does not fit its width. */
int isa_derive(const struct hw *hw, struct isa_layout *lay, struct diags *err);

/* Field metadata from the table. */
const char *isa_field_name(enum isa_field f);
const char *isa_field_meaning(enum isa_field f);
enum isa_value isa_field_value(enum isa_field f);
const char *isa_class_name(enum isa_class c);
const char *isa_class_meaning(enum isa_class c);
const char *isa_queue_name(enum isa_queue q);
uint32_t isa_queue_depth(const struct hw *hw, enum isa_queue q);
enum isa_route isa_class_route(enum isa_class c);
enum isa_queue isa_filler_of(enum hw_role r);
const char *isa_token_name(enum isa_token t);
enum isa_queue isa_token_producer(enum isa_token t);
enum isa_queue isa_token_consumer(enum isa_token t);
/* The token bit of the producer that pushes to t, and of the consumer that
 * pops from it (ISA_F_PUSH_* / ISA_F_POP_*). */
enum isa_field isa_token_push_field(enum isa_token t);
enum isa_field isa_token_pop_field(enum isa_token t);
/* The token queue module q pops from with `pop` (ISA_F_POP_PREV or
 * ISA_F_POP_NEXT) or pushes to with `push`; -1 when q has no such neighbour. */
int isa_token_popped(enum isa_queue q, enum isa_field pop);
/* The token queue from one module to another; -1 when there is none. */
int isa_token_between(enum isa_queue from, enum isa_queue to);
int isa_token_pushed(enum isa_queue q, enum isa_field push);
const char *isa_width_name(enum isa_width w);
const char *isa_uop_field_name(enum isa_uop_field u);
const char *isa_uop_field_meaning(enum isa_uop_field u);
struct isa_slot isa_uop_slot(const struct isa_layout *lay, enum isa_uop_field u);
uint32_t isa_uop_get(const struct isa_uop *m, enum isa_uop_field u);
void isa_uop_set(struct isa_uop *m, enum isa_uop_field u, uint32_t v);
int isa_kind_lookup(const struct isa_layout *lay, const char *mnemonic); /* -1: none */
int isa_kind_of_class(const struct isa_layout *lay, enum isa_class c);   /* first kind */
bool isa_has_field(const struct isa_layout *lay, int kind, enum isa_field f);
/* Smallest and largest value the field holds. */
int64_t isa_field_min(const struct isa_layout *lay, int kind, enum isa_field f);
int64_t isa_field_max(const struct isa_layout *lay, int kind, enum isa_field f);

/* Encoding.  isa_encode requires every field in range (isa_check_insn). */
void isa_encode(const struct isa_layout *lay, const struct isa_insn *in, uint8_t *out);
/* Returns 0, or -1 with a reason in why[256] (illegal opcode, reserved bits). */
int isa_decode(const struct isa_layout *lay, const uint8_t *in, struct isa_insn *out, char *why);
void isa_encode_uop(const struct isa_layout *lay, const struct isa_uop *u, uint8_t *out);
int isa_decode_uop(const struct isa_layout *lay, const uint8_t *in, struct isa_uop *u, char *why);

/* Which module runs it: its class's route (ISA_CLASSES), through the queue
 * field or the buffer (ISA_FILLERS) where the class says so. */
enum isa_queue isa_queue_of(const struct isa_layout *lay, const struct isa_insn *in);
/* Encodable and meaningful: every field in range, buffer and ALU op exist,
 * the direction of a transfer is possible, tokens name a neighbour the
 * module has.  Returns 0, or -1 naming the field in why[256]. */
int isa_check_insn(const struct isa_layout *lay, const struct isa_insn *in, enum isa_field *bad, char *why);
int isa_check_uop(const struct isa_layout *lay, const struct isa_uop *u, char *why);

/* ---- timing.c: the rules of docs/microarch.md every device and model
 * follows ---- */

/* The dependency-token step.  tokens[t] counts the tokens in queue t, each
 * holding at most hw.queues.token.  An instruction starts only if every
 * queue it pops holds a token and every queue it pushes has room (one
 * producer per queue: room at the start is room at completion); starting
 * pops, completing pushes. */
enum isa_token_event { ISA_TOKENS_START, ISA_TOKENS_COMPLETE };
/* No instruction takes less than a cycle: sync and finish take exactly it,
 * a transfer's port at least it. */
enum { ISA_MIN_CYCLES = 1 };
/* The token queue that keeps instruction `in` on module q from starting,
 * with *full telling whether it waits for room rather than a token; -1 when
 * it may start. */
int isa_tokens_wait(const struct hw *hw, const uint32_t tokens[ISA_T_COUNT], enum isa_queue q,
		    const struct isa_insn *in, bool *full);
void isa_tokens_step(uint32_t tokens[ISA_T_COUNT], enum isa_queue q, const struct isa_insn *in,
		     enum isa_token_event ev);

/* Micro-op beats of a loop instruction: (uop_end - uop_begin) * iter_out * iter_in. */
uint64_t isa_loop_beats(const struct isa_insn *in);
/* Adds the actions of one executed instruction to act (docs/energy.md,
 * "Actions"): every device counts with this, once per instruction. */
void isa_count_actions(const struct hw *hw, const struct isa_layout *lay, const struct isa_insn *in,
		       struct hw_actions *act);
/* ALU beats per micro-op beat: the values of an accumulator element over alu.lanes. */
uint32_t isa_alu_passes(const struct hw *hw);
/* Cycles of `insns` instructions on a pipeline with this initiation
 * interval and latency, making `beats` beats in all: each instruction takes
 * (its beats - 1) * ii + latency.  A device passes one instruction; the cost
 * model a whole op's. */
uint64_t isa_pipeline_cycles(uint64_t beats, uint64_t insns, uint32_t ii, uint32_t latency);
/* Elements a transfer writes into (load, with the zero padding) or reads
 * from (store) its on-chip level: the block that crosses the level's port. */
uint64_t isa_transfer_block(const struct isa_layout *lay, const struct isa_insn *in);
/* Cycles `bytes` take on a level's port: at least 1. */
uint64_t isa_port_cycles(const struct hw_level *l, uint64_t bytes);
/* The values of level l's element that a narrow transfer (`values` > 0)
 * can move the first of (row-major: the first rows of an element of
 * several): its values when it is a scratchpad other than the micro-op
 * buffer, under DRAM or under a shared level (addressed then in values of
 * the scratchpad's type), else 0 (the micro-op buffer and shared levels,
 * whose elements stage other levels' elements, move whole elements). */
uint32_t isa_narrow_values(const struct hw *hw, int l);
/* The diagonal blocks of level l's element that a diagonal load (`diag` =
 * d > 0) can put a narrow transfer's values on: ceil(long side / short
 * side) of a weight scratchpad (under DRAM or a shared level) whose
 * element has several rows and several columns, else 0.  Block d of an R x C element (R >= C) is
 * rows (d-1)*C to (d-1)*C + C - 1, value i at row (d-1)*C + i, column i;
 * of one with R < C, columns (d-1)*R + i of rows i (docs/isa.md). */
uint32_t isa_diagonal_blocks(const struct hw *hw, int l);
/* The values a diagonal load can put on block d (1-based) of level l's
 * element: the short side, or what is left of the long side. */
uint32_t isa_diagonal_room(const struct hw *hw, int l, uint32_t d);
/* The index, in the element's values (row-major), of value i on block d. */
uint64_t isa_diagonal_position(const struct hw *hw, int l, uint32_t d, uint32_t i);
/* Bytes of one of the transfer's elements in the parent: the element's, or
 * `values` values of a narrow transfer. */
uint64_t isa_parent_elem_bytes(const struct hw *hw, const struct isa_insn *in);
/* Bytes of what addr and xstride count in the parent: elements, or a
 * narrow transfer's values (its elements lie `values` values apart). */
uint64_t isa_parent_unit_bytes(const struct hw *hw, const struct isa_insn *in);
/* A transfer's memory requests on the channel of its level's parent: `rows`
 * requests of `row_bytes` each, in row order, made at its start. */
void isa_transfer_requests(const struct isa_layout *lay, const struct isa_insn *in, uint64_t *rows,
			   uint64_t *row_bytes);
/* Cycles from the start of `in` at cycle `start` to its completion; for a
 * transfer `data` is the cycle its last memory request completes (the
 * channel model is the device's: device/dram.c), ignored otherwise. */
uint64_t isa_duration(const struct isa_layout *lay, const struct isa_insn *in, uint64_t start, uint64_t data);

/* Descriptions of the layout generated from the table. */
void isa_describe_text(const struct isa_layout *lay, struct strbuf *out);
void isa_describe_markdown(const struct isa_layout *lay, struct strbuf *out);
void isa_describe_verilog(const struct isa_layout *lay, struct strbuf *out);
/* The widest element of a level DRAM is read into or written from, in bits:
 * the RTL's DRAM port moves one per DMA lane (TSL_DRAM_BITS). */
uint32_t isa_dram_elem_bits(const struct hw *hw);
/* One instruction in assembly syntax (no newline). */
void isa_format_insn(const struct isa_layout *lay, const struct isa_insn *in, struct strbuf *out);

#ifdef __cplusplus
}
#endif

#endif
