/* A program: what runs on one accelerator.  It carries its own hardware
 * description (canonical YAML), so it runs anywhere without the YAML file, and
 * lays everything it needs out in DRAM: the instruction stream at code_addr,
 * the micro-ops at uop_addr, and named segments (inputs, weights, outputs,
 * scratch).  Stored as a `.tsp` file; see docs/program.md. */
#ifndef TESSEL_PROGRAM_H
#define TESSEL_PROGRAM_H

#include "isa.h"
#include "base/dtype.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(id, assembly name, meaning) */
#define ISA_SEGMENT_KINDS(X)                          \
	X(INPUT, "input", "activations the caller provides") \
	X(WEIGHT, "weight", "parameters, fixed at compile time") \
	X(OUTPUT, "output", "results the caller reads back")  \
	X(SCRATCH, "scratch", "intermediate data")

enum isa_segment_kind {
#define X(id, name, what) ISA_SEG_##id,
	ISA_SEGMENT_KINDS(X)
#undef X
	ISA_SEG_KIND_COUNT
};

struct isa_segment {
	char *name;
	enum isa_segment_kind kind;
	uint64_t addr;      /* DRAM byte address */
	uint64_t size;      /* bytes */
	uint8_t *data;      /* initial contents, data_len <= size bytes; rest is zero */
	uint64_t data_len;
};

/* What running a program takes when it is more than one run: runs of its
 * instructions, each ending with `finish`, and between them *gathers* the
 * host does on DRAM — a tensor an earlier run stored, rearranged into the
 * layout a later run reads — and *host ops*, ops the host computes from
 * tensors in DRAM into DRAM (docs/program.md).  A program without steps is
 * one run of all its instructions. */
enum isa_step_kind { ISA_STEP_RUN, ISA_STEP_GATHER, ISA_STEP_HOST, ISA_STEP_KIND_COUNT };

#define ISA_GATHER_ZERO UINT32_MAX

struct isa_step {
	enum isa_step_kind kind;
	uint32_t first, count;  /* RUN: instructions first ... first + count - 1, the last a finish */
	uint64_t src, dst;      /* GATHER: DRAM byte addresses */
	uint64_t n;             /* GATHER: bytes written from dst on */
	uint32_t *from;         /* GATHER: per byte, its offset from src, or ISA_GATHER_ZERO for a zero */
	uint32_t host;          /* HOST: index into the program's host ops */
};

/* An op the host computes between runs (a step of kind HOST): it reads its
 * operand tensors from DRAM, each row major at in_addr[k] (in_bytes[k]
 * bytes), and writes its result row major at out_addr (out_bytes bytes).
 * What it computes is the IR op `ir` holds, as ir/ encodes it
 * (ir_op_encode): bytes this layer carries without reading them; whoever
 * runs the program decodes and checks them (the device layer hands them to
 * the runner's host backend, struct dev_host). */
enum { ISA_HOST_MAX_IN = 10, ISA_HOST_MAX_IR = 1 << 20 };
/* A host op's name: printable characters, fewer than this (a workload's op
 * names are as long). */
enum { ISA_HOST_NAME_MAX = 64 };

struct isa_host_op {
	char *name;             /* the op's, for messages and listings */
	uint8_t *ir;
	uint64_t ir_len;
	int nin;
	uint64_t in_addr[ISA_HOST_MAX_IN], in_bytes[ISA_HOST_MAX_IN];
	uint64_t out_addr, out_bytes;
};

/* The program's inputs and outputs: tensors of the workload it was compiled
 * from that its caller gives anew or reads back (docs/program.md, "Inputs
 * and outputs"), in the workload's terms — a name, a dtype, a shape, row
 * major in the workload's layout — with byte tables between that and the
 * DRAM layouts the program uses, made at compile time.  An input has one
 * *place* per segment it is packed into: DRAM byte addr + j holds the
 * tensor's byte from[j] (ISA_GATHER_ZERO: a zero of the padding).  An
 * output has one place: the tensor's byte j is DRAM byte addr + from[j].
 * So putting a tensor in and taking one out needs nothing but the tables. */
enum isa_port_kind { ISA_PORT_INPUT, ISA_PORT_OUTPUT, ISA_PORT_KIND_COUNT };

enum { ISA_PORT_MAX_RANK = 6, ISA_PORT_NAME_MAX = 64 };

/* A stretch of a table: len entries, each one more than the one before it
 * from `first` on, or all ISA_GATHER_ZERO.  Layouts move bytes in rows, so
 * a table is far fewer runs than entries: inputs and outputs are copied by
 * runs, and files keep runs. */
struct isa_run {
	uint32_t len, first;
};

/* A place keeps its table as runs only: a file's runs are never expanded,
 * so a small file cannot make its reader allocate a table of billions of
 * entries. */
struct isa_place {
	uint64_t addr;  /* DRAM byte address */
	uint64_t n;     /* entries of the table: DRAM bytes written (input), tensor bytes (output) */
	uint64_t nrun;  /* the table as runs, their lengths adding up to n */
	struct isa_run *run;
};

struct isa_port {
	char *name;
	enum isa_port_kind kind;
	enum dtype dtype;
	int rank;
	int64_t shape[ISA_PORT_MAX_RANK];
	char layout[ISA_PORT_MAX_RANK + 1]; /* one letter per dimension ("NHWC"), or "" */
	char *why_not;  /* why the caller cannot give this input anew (its values
			 * went into what the host computed at compile time) or
			 * read this output back; such a port may have no places.
			 * NULL: it can. */
	int nplace, place_cap;
	struct isa_place *place;
};

struct isa_program {
	struct hw hw;
	struct isa_layout layout;   /* points at .hw: do not copy a program by value */
	uint64_t code_addr, uop_addr; /* DRAM byte addresses */
	int ninsn, insn_cap;
	struct isa_insn *insn;
	int nuop, uop_cap;
	struct isa_uop *uop;
	int nseg, seg_cap;
	struct isa_segment *seg;
	int nstep, step_cap;
	struct isa_step *step;
	int nport, port_cap;
	struct isa_port *port;
	int nhost, host_cap;
	struct isa_host_op *host;
};

/* Version 1: no steps; version 2 adds them; version 3 adds the inputs and
 * outputs; version 4 the host ops.  A program is written in the lowest
 * version that holds it. */
enum { ISA_TSP_VERSION = 4 };

/* An empty program for HW (which must have a valid layout). */
int isa_program_init(struct isa_program *p, const struct hw *hw, struct diags *err);
void isa_program_free(struct isa_program *p);
/* Whether the n bytes at s are a segment name (docs/assembly.md): a
 * letter, digit or '_', then letters, digits and '_', '.', '-', '/', ':'
 * (ONNX exporters name tensors "model/conv2d/Conv2D:0").  What the
 * assembler reads as one word and the disassembler prints as it is. */
#define ISA_SEGMENT_NAME_RULE "a letter, digit or '_', then letters, digits, '_', '.', '-', '/', ':'"
bool isa_segment_name_ok(const char *s, size_t n);
/* The adders return -1 (NULL), changing nothing, when out of memory. */
int isa_program_add_insn(struct isa_program *p, const struct isa_insn *in);
/* Room for n more instructions, so that adding them does not grow the
 * array step by step (copying it each time); 0, or -1 when out of memory
 * (nothing changed). */
int isa_program_reserve(struct isa_program *p, int n);
int isa_program_add_uop(struct isa_program *p, const struct isa_uop *u);
struct isa_segment *isa_program_add_segment(struct isa_program *p, const char *name, enum isa_segment_kind kind,
					    uint64_t addr, uint64_t size);
struct isa_segment *isa_program_segment(const struct isa_program *p, const char *name);
/* The name of the segment holding DRAM byte addr, or "?". */
const char *isa_program_segment_at(const struct isa_program *p, uint64_t addr);
/* Bytes a gather reads from its source: one past its largest offset. */
uint64_t isa_gather_span(const struct isa_step *g);
/* Adds a step; a gather's `from` is the program's from then on (freed on failure too). */
int isa_program_add_step(struct isa_program *p, const struct isa_step *st);
/* Adds a host op; its name and ir are the program's from then on (freed on
 * failure too).  Its index, or -1 when out of memory. */
int isa_program_add_host_op(struct isa_program *p, const struct isa_host_op *h);
/* The steps: runs that partition the instructions in order, each ending
 * with its only finish; gathers between them that read and write inside
 * one segment each; host steps naming a host op.  The host ops: a name,
 * 1 to ISA_HOST_MAX_IR bytes of op, each operand and the result inside
 * one segment, each named by a step.  The steps may begin and end with
 * gathers and host steps.  0, or -1 with an error naming the step or host
 * op. */
int isa_program_check_steps(const struct isa_program *p, const char *file, struct diags *err);
const char *isa_segment_kind_name(enum isa_segment_kind k);

/* ---- inputs and outputs (isa/ports.c) ---- */

/* A port with no places; its name, shape and layout copied.  NULL when out
 * of memory. */
struct isa_port *isa_program_add_port(struct isa_program *p, const char *name, enum isa_port_kind kind,
				      enum dtype dtype, int rank, const int64_t *shape, const char *layout);
/* Adds a place of the table from[0 .. n) (n < ISA_GATHER_ZERO), kept as
 * its runs; `from` is freed (on failure too).  -1 when out of memory. */
int isa_port_add_place(struct isa_port *pt, uint64_t addr, uint64_t n, uint32_t *from);
/* Adds a place of nrun runs (the port's from then on, freed on failure
 * too): 0; -1 when out of memory; 1 when they do not make a table of n
 * entries (a run of no entries, or of entries past ISA_GATHER_ZERO). */
int isa_port_add_runs(struct isa_port *pt, uint64_t addr, uint64_t n, struct isa_run *run, uint64_t nrun);
/* The port named `name`, or -1. */
int isa_program_port(const struct isa_program *p, const char *name);
/* Bytes of the port's tensor. */
uint64_t isa_port_bytes(const struct isa_port *pt);
const char *isa_port_kind_name(enum isa_port_kind k);
/* Every port: a good name, a known dtype, a shape of at most 4 GiB, each
 * once; an input's places inside one segment each, taking bytes of the
 * tensor; an output's one place reading inside one segment (none for a
 * port with a why_not).  0, or -1 with
 * an error naming the port. */
int isa_program_check_ports(const struct isa_program *p, const char *file, struct diags *err);
/* Input port `port`'s tensor (isa_port_bytes bytes, row major) into the
 * initial data of the segments it is packed into.  0, or -1 when out of
 * memory (an error naming the port). */
int isa_program_set_input(struct isa_program *p, int port, const uint8_t *tensor, struct diags *err);
/* Output port pt's tensor from the bytes of DRAM from addr on (at least
 * isa_port_span bytes). */
void isa_port_take_output(const struct isa_port *pt, const uint8_t *dram, uint8_t *tensor);
/* Bytes of DRAM an output reads, from its place's addr. */
uint64_t isa_port_span(const struct isa_port *pt);
/* Input `name` from the .npy file at path, into the segments it is packed
 * into.  0, or -1 with an error naming the tensor: not an input of the
 * program, one it cannot take anew, another dtype or shape, a bad file. */
int isa_program_input_npy(struct isa_program *p, const char *name, const char *path, struct diags *err);
/* The input port named `name` that can be given, or -1 with an error. */
int isa_program_input_port(const struct isa_program *p, const char *name, struct diags *err);
/* The output port named `name` that can be read back, or -1 with an error. */
int isa_program_output_port(const struct isa_program *p, const char *name, struct diags *err);
/* Whether an array of dtype and shape is port pt's tensor: 0, or -1 with
 * an error naming the tensor and file. */
int isa_port_check_array(const struct isa_port *pt, enum dtype dtype, int rank, const int64_t *shape,
			 const char *file, struct diags *err);
/* An output's tensor (isa_port_take_output) to a .npy file at path. */
int isa_port_write_npy(const struct isa_port *pt, const uint8_t *tensor, const char *path, struct diags *err);
/* One line, without '\n': "input x int8 (1, 56, 56, 64) NHWC -> c1.a", with
 * why it cannot be used when it cannot. */
void isa_port_describe(const struct isa_program *p, const struct isa_port *pt, struct strbuf *out);
int isa_segment_kind_lookup(const char *name); /* -1: unknown */
/* The DRAM bytes a run of the whole program reads to fetch its own
 * instructions and load its micro-ops (each once): what it reads besides
 * its data. */
uint64_t isa_program_code_bytes(const struct isa_program *p);
/* The DRAM bytes its loads of data read (every level's but the micro-op
 * buffer's): with the code bytes, what a run reads. */
uint64_t isa_program_data_bytes(const struct isa_program *p);
/* Bytes of DRAM the program's layout reaches (end of its last region). */
uint64_t isa_program_dram_end(const struct isa_program *p);
/* The least multiple of `base` that is also a whole number of the elements
 * (and of the values, for narrow transfers) of every on-chip level: a
 * segment starting there can be addressed by each of them, since a
 * transfer's DRAM address counts its elements (and the compiler reckons a
 * staged block's address in the elements of the scratchpad it is for).  0
 * when that multiple is past the DRAM's capacity. */
uint64_t isa_segment_align(const struct hw *hw, uint64_t base);
/* The least common multiple of a and b, or 0 past cap. */
uint64_t isa_lcm_within(uint64_t a, uint64_t b, uint64_t cap);
/* Checks the layout: regions inside DRAM, aligned, not overlapping.
 * isa_program_layout_error returns -1 when it is sound, else the offending
 * region (0 code, 1 micro-ops, 2 + i segment i) with the reason in why. */
int isa_program_layout_error(const struct isa_program *p, char *why, size_t n);
int isa_program_check_layout(const struct isa_program *p, const char *file, struct diags *err);

/* .tsp files.  Reading checks magic, version, length, checksum, the embedded
 * hardware description and every instruction; errors name the file and the
 * offset or instruction index. */
int isa_tsp_write(const struct isa_program *p, const char *path, struct diags *err);
int isa_tsp_read(const char *path, struct isa_program *p, struct diags *err);
/* The same on memory, for tests and tools that pass programs around. */
/* isa_tsp_encode: NULL when out of memory. */
uint8_t *isa_tsp_encode(const struct isa_program *p, size_t *len);
int isa_tsp_decode(const uint8_t *buf, size_t len, const char *name, struct isa_program *p, struct diags *err);

/* A random legal program (docs/randprog.md) as assembly: `iterations`
 * rounds of loads, compute loops and stores that never deadlock and never
 * leave a buffer.  NULL with an error when the hardware does not allow one. */
char *isa_randprog(const struct hw *hw, const struct isa_layout *lay, uint64_t seed, int iterations, struct diags *err);
/* Knobs that push random programs to the machine's limits, to reach what
 * plain ones do not (docs/randprog.md, "Knobs").  X(id, name, what) */
#define ISA_RANDPROG_KNOBS(X)                                                                                         \
	X(IMM_EXTREMES, "imm-extremes", "ALU immediates at the ends of their field, shifts at the accumulator's width") \
	X(EVERY_ALU_OP, "every-alu-op", "the first loops of a program run every ALU operation in turn")               \
	X(LONG_LOOPS, "long-loops", "some loops run to the ISA's maximum extent (their index steps 0)")               \
	X(DMA_LIMITS, "dma-limits", "transfers with the most padding, stride, rows or columns that fit")               \
	X(FULL_QUEUES, "full-queues", "phases as long as the shallowest instruction queue is deep")                    \
	X(TOKEN_BURSTS, "token-bursts", "loads send one token more than a token queue holds; compute takes them with syncs")
enum isa_randprog_knob {
#define X(id, name, what) ISA_KNOB_##id,
	ISA_RANDPROG_KNOBS(X)
#undef X
	ISA_KNOB_COUNT
};
const char *isa_randprog_knob_name(enum isa_randprog_knob k);
/* Knob names separated by commas, or "all", into bits (1 << ISA_KNOB_...):
 * 0, or -1 with why naming the word that is not a knob and the knobs. */
int isa_randprog_parse_knobs(const char *list, unsigned *knobs, char *why, size_t n);
/* isa_randprog with the knobs whose bits (1 << ISA_KNOB_...) are set. */
char *isa_randprog_knobs(const struct hw *hw, const struct isa_layout *lay, uint64_t seed, int iterations,
			 unsigned knobs, struct diags *err);

/* Assembly: text <-> program.  See docs/assembly.md. */
int isa_assemble(const char *text, const char *file, const struct hw *hw, struct isa_program *p, struct diags *err);
char *isa_disassemble(const struct isa_program *p);

#ifdef __cplusplus
}
#endif

#endif
