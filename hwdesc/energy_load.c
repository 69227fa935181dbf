/* The optional `energy:` section of a hardware description (docs/hwdesc.md,
 * "energy"): picojoules per action that replace the defaults
 * (hw_energy_defaults) entry by entry. */
#include <stdio.h>
#include <string.h>

#include "energy.h"
#include "load.h"

/* Beyond any circuit (a millijoule per action): a typo, not a figure. */
#define MAX_PJ 1e9

/* A number of picojoules, zero allowed. */
static bool pj(struct loader *L, const struct ynode *n, const char *key, const char *ctx, double *out)
{
	char b[80];
	double v = 0;
	bool zero = n->kind == YN_SCALAR && n->plain && n->len > 0 && strspn(n->str, "0.") == n->len &&
		    n->str[0] == '0';
	if ((zero || yt_positive_number(n, &v)) && v <= MAX_PJ) {
		*out = v;
		return true;
	}
	yt_error(&L->yt, n, "expected a number of picojoules from 0 to 1e9 for '%s' in %s, got %s", key, ctx,
		 yt_show(n, b, sizeof b));
	return false;
}

/* `mac: {int8*int8: PJ, ...}`: every intrinsic multiplying that pair. */
static void load_macs(struct loader *L, const struct ynode *map)
{
	struct hw *hw = L->hw;
	char b[80];
	if (map->kind != YN_MAP) {
		yt_error(&L->yt, map, "expected a mapping of operand types to picojoules for 'mac' in energy (like int8*int8: 0.3), got %s",
			 yt_show(map, b, sizeof b));
		return;
	}
	for (int i = 0; i < map->n; i += 2) {
		const struct ynode *k = map->kid[i];
		double v;
		if (!yt_key_ok(&L->yt, map, i, "energy 'mac'") || !pj(L, map->kid[i + 1], k->str, "energy 'mac'", &v))
			continue;
		int found = 0;
		char pairs[160] = "";
		size_t at = 0;
		for (int n = 0; n < hw->nintrinsics; n++) {
			char pair[40];
			snprintf(pair, sizeof pair, "%s*%s", dtype_name(hw->intrinsic[n].a.dtype),
				 dtype_name(hw->intrinsic[n].b.dtype));
			if (strlen(pair) == k->len && !memcmp(pair, k->str, k->len))
				hw->energy.mac[n] = v, found++;
			else if (!strstr(pairs, pair) && at < sizeof pairs - 1)
				at += (size_t)snprintf(pairs + at, sizeof pairs - at, "%s%s", at ? ", " : "", pair);
		}
		if (!found)
			yt_error(&L->yt, k, "no intrinsic multiplies %s in energy 'mac'; expected A*B of an intrinsic's operand types (%s)",
				 yt_show(k, b, sizeof b), pairs);
	}
}

/* `levels: {NAME: {read: PJ, write: PJ, leakage: PJ}, ...}` */
static void load_levels(struct loader *L, const struct ynode *map)
{
	static const char *const keys[] = {"read", "write", "leakage"};
	struct hw *hw = L->hw;
	char b[80], ctx[64];
	if (map->kind != YN_MAP) {
		yt_error(&L->yt, map, "expected a mapping of level names for 'levels' in energy, got %s", yt_show(map, b, sizeof b));
		return;
	}
	for (int i = 0; i < map->n; i += 2) {
		const struct ynode *k = map->kid[i], *v[3], *at[3];
		if (!yt_key_ok(&L->yt, map, i, "energy 'levels'"))
			continue;
		int l = hw_level_lookup(hw, k->str);
		if (l < 0) {
			char names[HW_MAX_LEVELS * (HW_NAME_MAX + 2)] = "";
			size_t used = 0;
			for (int j = 0; j < hw->nlevels; j++)
				used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", j ? ", " : "", hw->level[j].name);
			if (L->names_known)
				yt_error(&L->yt, k, "no on-chip level %s in energy 'levels'; expected one of: %s",
					 yt_show(k, b, sizeof b), names);
			continue;
		}
		snprintf(ctx, sizeof ctx, "energy level '%s'", hw->level[l].name);
		if (!yt_fields(&L->yt, map->kid[i + 1], ctx, ctx, keys, 3, NULL, v, at))
			continue;
		double *dst[3] = {&hw->energy.read[l], &hw->energy.write[l], &hw->energy.leakage[l]};
		for (int f = 0; f < 3; f++)
			if (v[f])
				pj(L, v[f], keys[f], ctx, dst[f]);
	}
}

static void load_dram(struct loader *L, const struct ynode *map)
{
	static const char *const keys[] = {"read", "write"};
	const struct ynode *v[2], *at[2];
	if (!yt_fields(&L->yt, map, "energy 'dram'", "energy 'dram'", keys, 2, NULL, v, at))
		return;
	if (v[0])
		pj(L, v[0], "read", "energy 'dram' (per byte)", &L->hw->energy.dram_read);
	if (v[1])
		pj(L, v[1], "write", "energy 'dram' (per byte)", &L->hw->energy.dram_write);
}

/* `alu: {add: PJ, ...}`: per lane operation, for ops this ALU has. */
static void load_alu(struct loader *L, const struct ynode *map)
{
	char b[80];
	if (map->kind != YN_MAP) {
		yt_error(&L->yt, map, "expected a mapping of ALU ops to picojoules for 'alu' in energy, got %s",
			 yt_show(map, b, sizeof b));
		return;
	}
	for (int i = 0; i < map->n; i += 2) {
		const struct ynode *k = map->kid[i];
		if (!yt_key_ok(&L->yt, map, i, "energy 'alu'"))
			continue;
		int op = hw_alu_op_lookup(k->str);
		if (op < 0 || !(L->hw->alu.ops & (1u << op))) {
			yt_error(&L->yt, k, "%s is not an op of this ALU in energy 'alu'; expected one of its 'ops'",
				 yt_show(k, b, sizeof b));
			continue;
		}
		pj(L, map->kid[i + 1], k->str, "energy 'alu'", &L->hw->energy.alu[op]);
	}
}

void hwl_load_energy(struct loader *L, const struct ynode *node)
{
	static const char *const keys[] = {"mac", "levels", "dram", "alu"};
	const struct ynode *v[4], *at[4];
	if (!yt_fields(&L->yt, node, "'energy'", "energy", keys, 4, NULL, v, at))
		return;
	L->hw->energy.given = true;
	L->hw->energy.loc = (struct hw_loc){node->line, node->col};
	if (v[0])
		load_macs(L, v[0]);
	if (v[1])
		load_levels(L, v[1]);
	if (v[2])
		load_dram(L, v[2]);
	if (v[3])
		load_alu(L, v[3]);
}
