/* area: an analytical model of an accelerator's silicon area (docs/energy.md,
 * "Area").
 *
 * Each component is a sum of terms, a coefficient times a quantity of the
 * description (MACs times operand bits, accumulator values, DMA lanes, SRAM
 * bits).  Logic components come out in generic cells — the gates and
 * flip-flops Yosys counts when it synthesises the bundled RTL, whose counts
 * the logic coefficients are fitted to (scripts/area-calibrate.py, over the
 * reports in rtl/area/) — and cells become square micrometres at the area
 * of one 45 nm NAND2.  Memories are not gates in those counts (Yosys keeps
 * them as $mem cells), so SRAM comes from a published 45 nm bit cell
 * instead, not from the calibration. */
#ifndef TESSEL_AREA_H
#define TESSEL_AREA_H

#include <stdbool.h>

#include "hwdesc/hw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where a coefficient comes from. */
enum hw_area_source { HW_AREA_FITTED, HW_AREA_PUBLISHED, HW_AREA_ASSUMED };

/* The model's coefficients: the only numbers in it.  FITTED ones are what
 * scripts/area-calibrate.py prints (docs/energy.md, "Calibration"); the
 * others are cited there.  A count bit is a bit of a transfer's columns
 * times a bit of its rows (hw_area_model).
 * X(id, name, value, source, unit) */
#define HW_AREA_COEFFS(X)                                                                                             \
	X(INT_MUL, "int_mul", 5.049, FITTED, "cells per MAC per (a bits + 1)(b bits + 1)")                            \
	X(INT_ADD, "int_add", 4.844, FITTED, "cells per MAC per accumulator bit")                                     \
	X(INT_OUT, "int_out", 1.194, FITTED, "cells per output value per accumulator bit")                            \
	X(FP_MAC, "fp_mac", 8938, FITTED, "cells per floating-point MAC")                                             \
	X(ALU_INT, "alu_int", 4.452, FITTED, "cells per integer accumulator value per bit squared")                   \
	X(ALU_FP, "alu_fp", 12000, FITTED, "cells per floating-point accumulator value")                              \
	X(ALU_REQUANT, "alu_requant", 3.281, FITTED, "cells per integer accumulator value per bit, with requant")     \
	X(DMA, "dma", 1721, FITTED, "cells per DMA engine")                                                           \
	X(DMA_COUNT, "dma_count", 8.448, FITTED, "cells per DMA engine per count bit")                                \
	X(DMA_LANE, "dma_lane", 18810, FITTED, "cells per DMA lane")                                                  \
	X(QUEUE, "queue", 15.5, FITTED, "cells per pointer bit of an instruction queue")                              \
	X(SHARED, "shared", 2.931, FITTED, "cells per bit of a scratchpad DMA lane")                                  \
	X(CONTROL, "control", 17290, FITTED, "cells")                                                                 \
	X(CONTROL_COUNT, "control_count", 113.7, FITTED, "cells per count bit")                                       \
	X(CONTROL_INTRINSIC, "control_intrinsic", 4770, FITTED, "cells per intrinsic")                                \
	X(CONTROL_SHARED, "control_shared", 2.128, FITTED, "cells per bit of a scratchpad DMA lane")                  \
	X(CELL_UM2, "cell_um2", 0.798, PUBLISHED, "um2 per cell: NAND2_X1, Nangate 45 nm")                            \
	X(SRAM_BIT_UM2, "sram_bit_um2", 0.346 * 2, ASSUMED, "um2 per bit: a 0.346 um2 6T cell, x2 for the periphery") \
	X(SRAM_PORT_UM2, "sram_port_um2", 4.0, ASSUMED, "um2 per bit of a read port and of a write port")

enum hw_area_coeff {
#define X(id, name, value, source, unit) HW_AREA_##id,
	HW_AREA_COEFFS(X)
#undef X
	HW_AREA_COEFF_COUNT
};

/* What a component is, and which units of the RTL it is compared with
 * (hw_area_read_yosys).  X(id, name) */
#define HW_AREA_PARTS(X)           \
	X(MAC, "mac")              \
	X(ALU, "alu")              \
	X(DMA, "dma")              \
	X(QUEUES, "queues")        \
	X(SHARED, "shared")        \
	X(CONTROL, "control")      \
	X(SRAM, "sram")

enum hw_area_part {
#define X(id, name) HW_AREA_PART_##id,
	HW_AREA_PARTS(X)
#undef X
	HW_AREA_PART_COUNT
};

enum {
	HW_AREA_MAX_TERMS = 4,
	/* the MAC arrays, each level's SRAM and a shared level's logic, the
	 * ALU, DMA, queues, control and the queues' entries */
	HW_AREA_MAX_COMPONENTS = HW_MAX_INTRINSICS + 2 * HW_MAX_LEVELS + 5,
};

/* The largest relative error of the logic cells against the Yosys count of
 * each calibrated configuration (docs/energy.md, "Area"; test_area holds the
 * model to it). */
#define HW_AREA_LOGIC_ERROR 0.01

struct hw_area_term {
	enum hw_area_coeff coeff;
	double quantity; /* what the coefficient multiplies */
};

struct hw_area_component {
	char name[HW_NAME_MAX];  /* the intrinsic's or level's name, or the part's */
	char what[96];           /* "256 MACs, int8 x int8 -> int32" */
	enum hw_area_part part;
	int index;               /* the intrinsic or level; -1 */
	bool extrapolated;       /* types the calibration did not measure */
	int nterms;
	struct hw_area_term term[HW_AREA_MAX_TERMS];
	double cells;            /* logic: the sum of the terms; SRAM: 0 */
	double um2;
	double yosys_cells;      /* measured (hw_area_read_yosys); -1 when not */
};

struct hw_area {
	int n;
	struct hw_area_component c[HW_AREA_MAX_COMPONENTS];
	double logic_cells, logic_um2, sram_um2, total_um2;
	/* the whole design as Yosys counted it (its logic cells: memories are
	 * cells of Yosys's total but not logic), or -1 */
	double yosys_cells, yosys_flip_flops, yosys_memories, yosys_seconds;
};

/* The model of one description: every component, and the sums. */
void hw_area_model(const struct hw *hw, struct hw_area *a);

const char *hw_area_coeff_name(enum hw_area_coeff c);
const char *hw_area_coeff_unit(enum hw_area_coeff c);
double hw_area_coeff_value(enum hw_area_coeff c);
enum hw_area_source hw_area_coeff_source(enum hw_area_coeff c);
const char *hw_area_part_name(enum hw_area_part p);

/* Reads a report of scripts/area.sh (its whole design's cells, then the
 * cells of each unit of tsl_core) into a's Yosys figures, each unit into the
 * component that models it.  0, or -1 with why when the text is not such a
 * report. */
int hw_area_read_yosys(const char *report, struct hw_area *a, char *why, size_t n);

#ifdef __cplusplus
}
#endif

#endif
