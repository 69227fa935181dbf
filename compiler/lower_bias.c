/* compiler/lower_bias: an output block's bias into the accumulator — a
 * block of it beside the block, for an `add` pass, or the block itself
 * starting from it (docs/compiler.md, "Lowering"). */
#include "lower_gemm.h"

/* The bias block of an output block into the accumulator slot. */
int lw_load_bias(struct gemm_lowering *gl, const struct step *st, int q)
{
	const struct tz_geometry *geo = gl->geo;
	int64_t Mb = tz_bias_count(geo, TZ_G_M), Nb = tz_bias_count(geo, TZ_G_N);
	bool dm = geo->bias_on[TZ_G_M] && !gl->m->direct, dn = geo->bias_on[TZ_G_N];
	int64_t b0 = geo->bias_on[TZ_G_BATCH] ? st->bb : 0, m0 = dm ? st->mo * gl->m->bm : 0, n0 = dn ? st->no * gl->m->bn : 0;
	uint64_t dram = gl->seg_bias + (uint64_t)(((b0 * Mb + m0) * Nb + n0) * geo->eo) * geo->bytes_acc;
	uint64_t rows = (uint64_t)(dm ? st->bm : 1), cols = (uint64_t)((dn ? st->bn : 1) * geo->eo);
	int bs = (int)(st->out_block % gl->rbias.n);
	struct slot *sl = &gl->rbias.s[bs];
	int last = lw_load_block(&gl->lo, gl->lo.lv_acc, (uint64_t)q * gl->slot_acc + gl->bias_off, dram, rows, cols,
				 (uint64_t)(Nb * geo->eo), gl->stage_bias[bs], sl->last_reader);
	sl->last_reader = last; /* the accumulator load is the staging area's last reader */
	return last;
}

/* The block's bias into the block itself, repeated over its rows (the
 * direct form's: each output tile's value over the tile's points), for the
 * first reduction tile to accumulate onto (tz_bias_init). */
int lw_load_bias_init(struct gemm_lowering *gl, const struct step *st, int q)
{
	const struct tz_geometry *geo = gl->geo;
	int64_t Nb = tz_bias_count(geo, TZ_G_N), m0 = geo->bias_on[TZ_G_M] ? st->mo * gl->m->bm : 0;
	uint64_t dram = gl->seg_bias + (uint64_t)((m0 * Nb + st->no * gl->m->bn) * geo->eo) * geo->bytes_acc;
	uint64_t cols = (uint64_t)st->bn * geo->eo, at = (uint64_t)q * gl->slot_acc;
	int bs = (int)(st->out_block % gl->rbias.n);
	struct slot *sl = &gl->rbias.s[bs];
	int last = gl->m->direct ? lw_load_spread(&gl->lo, gl->lo.lv_acc, at, (uint64_t)gl->m->bm, dram, cols,
						  (uint64_t)st->bm, gl->stage_bias[bs], sl->last_reader) :
		   geo->bias_on[TZ_G_M] ? lw_load_block(&gl->lo, gl->lo.lv_acc, at, dram, (uint64_t)st->bm, cols,
							(uint64_t)Nb * geo->eo, gl->stage_bias[bs], sl->last_reader)
					: lw_load_repeated(&gl->lo, gl->lo.lv_acc, at, dram, cols, (uint64_t)st->bm,
							   gl->stage_bias[bs], sl->last_reader);
	sl->last_reader = last;
	return last;
}
