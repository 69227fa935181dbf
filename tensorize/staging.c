/* tensorize/staging: the shared levels every transfer between DRAM and a
 * scratchpad passes through, and the areas a block is staged in there.
 *
 * One rule for choosing and for lowering: the mapping checks (tz_mapping_check,
 * tz_direct_check) and the pool's forms (tensorize/pool.c) decide whether
 * an op's staging fits with the same function that compiler/lower_dma.c
 * places the areas with, so nothing chosen here fails when it is lowered. */
#include <inttypes.h>
#include <stdio.h>

#include "tensorize.h"

int tz_shared_level(const struct hw *hw)
{
	int n = 0, level = -1;
	for (int l = 0; l < hw->nlevels; l++)
		if (hw->level[l].role == HW_ROLE_SHARED)
			n++, level = l;
	return n == 1 ? level : -1;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

uint64_t tz_shared_align(const struct hw *hw)
{
	uint64_t a = 4096; /* and a multiple of every element size the areas hold */
	for (int l = 0; l < hw->nlevels; l++) {
		uint64_t x = a, y = hw->level[l].elem_bytes ? hw->level[l].elem_bytes : 1;
		while (y) {
			uint64_t t = x % y;
			x = y, y = t;
		}
		a = a / x * (hw->level[l].elem_bytes ? hw->level[l].elem_bytes : 1);
	}
	return a;
}

uint64_t tz_stage_unit(const struct hw *hw, int l)
{
	uint64_t a = 1;
	for (int p = hw->level[l].parent; p >= 0; p = hw->level[p].parent) {
		uint64_t x = a, y = hw->level[p].elem_bytes;
		while (y) {
			uint64_t t = x % y;
			x = y, y = t;
		}
		a = a / x * hw->level[p].elem_bytes;
	}
	return a;
}

/* The areas' alignment in level s: the least multiple of `align` that is
 * whole elements of s too. */
static uint64_t level_align(const struct hw *hw, int s, uint64_t align)
{
	uint64_t a = align;
	while (a % hw->level[s].elem_bytes)
		a += align;
	return a;
}

int tz_stage_areas(const struct hw *hw, const uint64_t *size, int n, uint64_t align, uint64_t *const *at,
		   uint64_t *need)
{
	for (int s = 0; s < hw->nlevels; s++) {
		if (hw->level[s].role != HW_ROLE_SHARED)
			continue;
		uint64_t a = level_align(hw, s, align), off = 0;
		for (int i = 0; i < n; i++) {
			if (at)
				at[i][s] = off;
			off = round_up(off + size[i], a);
		}
		if (off > hw->level[s].capacity) {
			*need = off;
			return s;
		}
	}
	return -1;
}

int tz_stage_check(const struct hw *hw, const uint64_t *size, int n, uint64_t align, const char *what, char why[256])
{
	uint64_t need = 0;
	int s = tz_stage_areas(hw, size, n, align, NULL, &need);
	if (s < 0)
		return 0;
	snprintf(why, 256, "%s need %" PRIu64 " bytes of shared level '%s', which has %" PRIu64, what, need,
		 hw->level[s].name, hw->level[s].capacity);
	return -1;
}

int tz_staged_whole(const struct hw *hw, int level, char why[256])
{
	const struct hw_level *l = &hw->level[level];
	for (int s = 0; s < hw->nlevels; s++)
		if (hw->level[s].role == HW_ROLE_SHARED && l->elem_bytes % hw->level[s].elem_bytes) {
			snprintf(why, 256, "elements of '%s' (%u bytes) are not a whole number of elements of shared level '%s' (%u bytes), which they pass through",
				 l->name, l->elem_bytes, hw->level[s].name, hw->level[s].elem_bytes);
			return -1;
		}
	return 0;
}
