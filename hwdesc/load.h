/* Internal to hwdesc/: the state of one load of a hardware description,
 * shared by load.c (the schema) and intrinsic.c (intrinsics and their
 * expressions).  The YAML tree and the value checks are base/ytree.h's,
 * shared with the workload loader; everything else uses hw.h. */
#ifndef TESSEL_HW_LOAD_H
#define TESSEL_HW_LOAD_H

#include "base/ytree.h"
#include "hw.h"

/* State of one load.  The flags say what later checks may rely on, so that one
 * mistake is reported once and not again by every check that depends on it. */
struct loader {
	struct yt_ctx yt;    /* where errors go */
	struct hw *hw;
	bool names_known;  /* every level has a valid name: "no such buffer" is true */
	bool roles_known;  /* every scratchpad has a valid role, each role found */
	bool level_ok[HW_MAX_LEVELS]; /* every field valid, derived figures set */
};

void hwl_load_intrinsics(struct loader *L, const struct ynode *seq);
/* The optional energy section, over the defaults (energy_load.c). */
void hwl_load_energy(struct loader *L, const struct ynode *node);

#endif
