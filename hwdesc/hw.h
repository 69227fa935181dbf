/* hwdesc: one accelerator, read from a YAML hardware description.
 *
 * A `struct hw` is filled once by hw_load_file/hw_load_string, validated in
 * full, and read-only afterwards.  Every other module (the ISA, the compiler,
 * the simulators) derives what it needs from it; nothing about a machine is
 * written down anywhere else. */
#ifndef TESSEL_HW_H
#define TESSEL_HW_H

#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/dtype.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a scratchpad holds.  X(id, yaml name) */
#define HW_ROLES(X)                   \
	X(SHARED, "shared")           \
	X(INPUT, "input")             \
	X(WEIGHT, "weight")           \
	X(ACCUMULATOR, "accumulator") \
	X(OUTPUT, "output")           \
	X(UOP, "uop")

enum hw_role {
#define X(id, name) HW_ROLE_##id,
	HW_ROLES(X)
#undef X
	HW_ROLE_COUNT
};

/* Vector ALU operations.  The order is the ALU opcode of the ISA.
 * `requant` is the requantization of an integer accumulator in one pass:
 * the shift of `shr`, then a clip to the range of the output scratchpad's
 * dtype (hw_requant_bounds) -- the bounds come from the description, not
 * the instruction, so the one immediate stays the shift.
 * X(id, yaml/assembly name, what it does) */
#define HW_ALU_OPS(X)                                                        \
	X(MIN, "min", "dst = min(dst, src)")                                 \
	X(MAX, "max", "dst = max(dst, src)")                                 \
	X(ADD, "add", "dst = dst + src")                                     \
	X(SHR, "shr", "dst = dst >> src (arithmetic; negative shifts left)") \
	X(MUL, "mul", "dst = dst * src")                                     \
	X(CLIP, "clip", "dst = clamp(dst, -src - 1, src)")                   \
	X(MOV, "mov", "dst = src")                                           \
	X(REQUANT, "requant", "dst = clamp(dst >> src, output dtype's range)")

enum hw_alu_op {
#define X(id, name, what) HW_ALU_##id,
	HW_ALU_OPS(X)
#undef X
	HW_ALU_OP_COUNT
};

enum {
	HW_NAME_MAX = 32,      /* names of levels, intrinsics, operands, dims */
	HW_MAX_LEVELS = 12,    /* on-chip levels (shared buffers + scratchpads) */
	HW_MAX_INTRINSICS = 8,
	HW_MAX_DIMS = 6,       /* dimensions of one intrinsic */
	HW_MAX_RANK = 4,       /* indices of one operand / element shape */
	/* what the simulator allocates by them: a queue's entries, and a burst's
	 * bytes (the fetch module buffers a burst of instructions) */
	HW_MAX_QUEUE = 65536,
	HW_MAX_BURST = 1048576,
};

/* The fastest clock a description may have (1 THz): every figure derived
 * from it (GMAC/s, seconds) stays finite. */
#define HW_MAX_CLOCK_MHZ 1e6

/* Where something was written in the YAML, for errors found after loading. */
struct hw_loc {
	int line, col;
};

struct hw_dram {
	uint64_t capacity;     /* bytes */
	uint32_t port_bits;    /* width of one beat */
	uint32_t bandwidth;    /* bytes per cycle, sustained */
	uint32_t latency;      /* cycles from request to first beat */
	uint32_t burst;        /* bytes per burst */
	uint32_t address_bits; /* width of a DRAM address in the ISA */
};

/* One on-chip level: a shared buffer or an operand scratchpad. */
struct hw_level {
	char name[HW_NAME_MAX];
	enum hw_role role;
	uint64_t capacity;     /* bytes */
	int elem_rank;         /* 0 for the micro-op buffer */
	uint32_t elem_shape[HW_MAX_RANK];
	enum dtype dtype;   /* meaningless for the micro-op buffer */
	uint32_t elem_bytes;   /* bytes of one addressable element */
	uint32_t depth;        /* capacity / elem_bytes: number of elements */
	uint32_t port_bits;
	uint32_t bandwidth;    /* bytes per cycle */
	uint32_t latency;      /* cycles */
	int parent;            /* level loaded from / stored to; -1 = DRAM */
	struct hw_loc loc;
};

struct hw_operand {
	char name[HW_NAME_MAX];
	int level;             /* index into hw.level */
	enum dtype dtype;
	int rank;
	int dim[HW_MAX_RANK];  /* index expression: dims of the intrinsic */
	uint32_t tile_elems;   /* product of the sizes of its dims */
	uint32_t elems_per_tile; /* buffer elements one tile spans */
	struct hw_loc loc;
};

/* A coarse tensor intrinsic: out[...] += a[...] * b[...].  `a` is the operand
 * in the input scratchpad, `b` the one in the weight scratchpad. */
struct hw_intrinsic {
	char name[HW_NAME_MAX];
	char expr[160];
	int ndims;
	char dim_name[HW_MAX_DIMS][HW_NAME_MAX];
	uint32_t dim_size[HW_MAX_DIMS];
	bool dim_reduction[HW_MAX_DIMS]; /* absent from the output */
	struct hw_operand out, a, b;
	uint32_t latency;
	uint32_t initiation_interval;
	uint64_t macs;         /* product of all dimension sizes */
	struct hw_loc loc;
};

struct hw_alu {
	uint32_t lanes;        /* accumulator elements processed per cycle */
	uint32_t ops;          /* bit (1 << hw_alu_op) per supported op */
	uint32_t latency;
	uint32_t initiation_interval;
	uint32_t imm_bits;     /* signed immediate width */
	struct hw_loc loc;
};

struct hw_queues {
	uint32_t load, compute, store; /* instruction queue depths */
	uint32_t token;                /* dependency-token queue depth */
};

struct hw_dma {
	uint32_t max_rows;     /* y_size */
	uint32_t max_cols;     /* x_size, in elements */
	uint32_t max_stride;   /* x_stride, in elements */
	uint32_t max_pad;      /* each of the four padding amounts */
	struct hw_loc loc;
};

struct hw_isa {
	uint32_t instruction_bits; /* 64, 128 or 256 */
	uint32_t max_loop_extent;  /* iter_out / iter_in of compute loops */
	struct hw_loc instruction_bits_loc;
};

/* Energy per action, in picojoules (docs/energy.md): per multiply-accumulate
 * of each intrinsic, per element read from and written to each on-chip
 * level, per byte over the DRAM channel, per lane operation of the vector
 * ALU, and leakage per cycle of each level.  What the description's
 * optional `energy:` section does not give is a default from published
 * 45 nm figures (hw_energy_defaults). */
struct hw_energy {
	bool given;                        /* the description has an energy section */
	double mac[HW_MAX_INTRINSICS];
	double read[HW_MAX_LEVELS], write[HW_MAX_LEVELS], leakage[HW_MAX_LEVELS];
	double dram_read, dram_write;
	double alu[HW_ALU_OP_COUNT];
	struct hw_loc loc;
};

struct hw {
	char name[64];
	char description[256];
	double clock_mhz;
	struct hw_dram dram;
	int nlevels;
	struct hw_level level[HW_MAX_LEVELS]; /* shared buffers first, outermost first */
	int role_level[HW_ROLE_COUNT];        /* scratchpad per role; -1 for SHARED */
	int nintrinsics;
	struct hw_intrinsic intrinsic[HW_MAX_INTRINSICS];
	struct hw_alu alu;
	struct hw_queues queues;
	struct hw_dma dma;
	struct hw_isa isa;
	struct hw_energy energy;
	char source[256];      /* file it was read from, for later errors */
};

/* Load and validate.  On failure returns -1 with every error in *err. */
int hw_load_file(const char *path, struct hw *hw, struct diags *err);
int hw_load_string(const char *text, const char *name, struct hw *hw, struct diags *err);
/* The built-in default (examples/hw/vta-default.yaml, compiled in): 0, or -1
 * with an error when memory runs out while loading it. */
int hw_load_default(struct hw *hw, struct diags *err);
extern const char hw_default_yaml[];
extern const char hw_default_name[];

/* The description as canonical YAML: every field explicit, fixed order,
 * sizes in bytes.  Loading it gives an identical `struct hw`. */
/* NULL when out of memory. */
char *hw_canonical(const struct hw *hw);
/* 64-bit fingerprint of the canonical form without its energy section
 * (energy changes neither the instruction set nor a cycle: programs and
 * tuning records stay valid across an energy sweep); HW_NO_FINGERPRINT (which no
 * description hashes to in practice) when libyaml's emitter runs out of
 * memory: it then matches no program's, so a check refuses rather than
 * accepts. */
#define HW_NO_FINGERPRINT 0
uint64_t hw_fingerprint(const struct hw *hw);

/* Derived figures. */
const char *hw_role_name(enum hw_role r);
const char *hw_alu_op_name(enum hw_alu_op op);
const char *hw_alu_op_meaning(enum hw_alu_op op);
int hw_alu_op_lookup(const char *name); /* -1 if unknown */
/* The clip of `requant`: the range of the output scratchpad's dtype
 * (int8: -128 and 127). */
void hw_requant_bounds(const struct hw *hw, int64_t *lo, int64_t *hi);
int hw_level_lookup(const struct hw *hw, const char *name); /* -1 if none */
/* MACs per cycle of one intrinsic at full rate, and of the machine (best intrinsic). */
double hw_intrinsic_peak_macs(const struct hw_intrinsic *in);
double hw_peak_macs_per_cycle(const struct hw *hw);
/* Bits needed to hold every value 0..max. */
uint32_t hw_bits_for(uint64_t max);

#ifdef __cplusplus
}
#endif

#endif
