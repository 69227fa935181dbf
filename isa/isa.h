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
#include "hwdesc/hw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Instruction classes.  An opcode per class, except GEMM: one opcode per
 * intrinsic the hardware declares, named after it.
 * X(id, mnemonic, what it does) */
#define ISA_CLASSES(X)                                                      \
	X(SYNC, "sync", "exchange dependency tokens only (a NOP when none)") \
	X(LOAD, "load", "2D strided DMA from the parent level into a buffer, with zero padding") \
	X(STORE, "store", "2D strided DMA from a buffer to its parent level") \
	X(ALU, "alu", "vector ALU over a two-level loop of micro-ops")       \
	X(FINISH, "finish", "end of program")                                \
	X(GEMM, "", "the intrinsic over a two-level loop of micro-ops")

enum isa_class {
#define X(id, mn, what) ISA_CLASS_##id,
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

/* The three modules that execute instructions, in pipeline order. */
#define ISA_QUEUES(X)      \
	X(LOAD, "load")     \
	X(COMPUTE, "compute") \
	X(STORE, "store")

enum isa_queue {
#define X(id, name) ISA_Q_##id,
	ISA_QUEUES(X)
#undef X
	ISA_Q_COUNT
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

/* Micro-op: dst (accumulator), src (input or accumulator), wgt (weight). */
struct isa_uop {
	uint32_t dst, src, wgt;
};

struct isa_layout {
	const struct hw *hw;
	uint32_t insn_bits, insn_bytes;
	uint32_t width[ISA_W_COUNT];
	int nkinds;
	struct isa_kind kind[ISA_MAX_KINDS];
	struct isa_slot uop_dst, uop_src, uop_wgt;
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
const char *isa_width_name(enum isa_width w);
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

/* Which module runs it: loads into the accumulator or micro-op buffer run on
 * compute (as in VTA), other loads on load, stores on store. */
enum isa_queue isa_queue_of(const struct isa_layout *lay, const struct isa_insn *in);
/* Encodable and meaningful: every field in range, buffer and ALU op exist,
 * the direction of a transfer is possible, tokens name a neighbour the
 * module has.  Returns 0, or -1 naming the field in why[256]. */
int isa_check_insn(const struct isa_layout *lay, const struct isa_insn *in, enum isa_field *bad, char *why);
int isa_check_uop(const struct isa_layout *lay, const struct isa_uop *u, char *why);

/* Descriptions of the layout generated from the table. */
void isa_describe_text(const struct isa_layout *lay, struct strbuf *out);
void isa_describe_markdown(const struct isa_layout *lay, struct strbuf *out);
void isa_describe_verilog(const struct isa_layout *lay, struct strbuf *out);
/* One instruction in assembly syntax (no newline). */
void isa_format_insn(const struct isa_layout *lay, const struct isa_insn *in, struct strbuf *out);

#ifdef __cplusplus
}
#endif

#endif
