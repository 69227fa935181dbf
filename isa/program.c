/* The program in memory: building it and checking its DRAM layout. */
#include "program.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const seg_kind_names[ISA_SEG_KIND_COUNT] = {
#define X(id, name, what) name,
	ISA_SEGMENT_KINDS(X)
#undef X
};

const char *isa_segment_kind_name(enum isa_segment_kind k) { return seg_kind_names[k]; }

int isa_segment_kind_lookup(const char *name)
{
	for (int k = 0; k < ISA_SEG_KIND_COUNT; k++)
		if (!strcmp(seg_kind_names[k], name))
			return k;
	return -1;
}

int isa_program_init(struct isa_program *p, const struct hw *hw, struct diags *err)
{
	memset(p, 0, sizeof *p);
	p->hw = *hw;
	return isa_derive(&p->hw, &p->layout, err);
}

void isa_program_free(struct isa_program *p)
{
	for (int i = 0; i < p->nseg; i++) {
		free(p->seg[i].name);
		free(p->seg[i].data);
	}
	free(p->seg);
	free(p->insn);
	free(p->uop);
	memset(p, 0, sizeof *p);
}

#define GROW(arr, n, cap)                                              \
	do {                                                           \
		if ((n) == (cap)) {                                    \
			(cap) = (cap) ? 2 * (cap) : 16;                \
			(arr) = xrealloc((arr), (size_t)(cap) * sizeof *(arr)); \
		}                                                      \
	} while (0)

void isa_program_add_insn(struct isa_program *p, const struct isa_insn *in)
{
	GROW(p->insn, p->ninsn, p->insn_cap);
	p->insn[p->ninsn++] = *in;
}

void isa_program_add_uop(struct isa_program *p, const struct isa_uop *u)
{
	GROW(p->uop, p->nuop, p->uop_cap);
	p->uop[p->nuop++] = *u;
}

struct isa_segment *isa_program_add_segment(struct isa_program *p, const char *name, enum isa_segment_kind kind,
					    uint64_t addr, uint64_t size)
{
	GROW(p->seg, p->nseg, p->seg_cap);
	struct isa_segment *s = &p->seg[p->nseg++];
	memset(s, 0, sizeof *s);
	s->name = xstrdup(name);
	s->kind = kind;
	s->addr = addr;
	s->size = size;
	return s;
}

struct isa_segment *isa_program_segment(const struct isa_program *p, const char *name)
{
	for (int i = 0; i < p->nseg; i++)
		if (!strcmp(p->seg[i].name, name))
			return &p->seg[i];
	return NULL;
}

struct region {
	const char *what, *name;
	uint64_t begin, end, align;
};

static int collect_regions(const struct isa_program *p, struct region *r)
{
	int n = 0;
	r[n++] = (struct region){"code", "", p->code_addr,
				 p->code_addr + (uint64_t)p->ninsn * p->layout.insn_bytes, p->layout.insn_bytes};
	r[n++] = (struct region){"micro-ops", "", p->uop_addr,
				 p->uop_addr + (uint64_t)p->nuop * p->layout.uop_bytes, p->layout.uop_bytes};
	for (int i = 0; i < p->nseg; i++)
		r[n++] = (struct region){"segment", p->seg[i].name, p->seg[i].addr, p->seg[i].addr + p->seg[i].size, 1};
	return n;
}

uint64_t isa_program_dram_end(const struct isa_program *p)
{
	struct region *r = xmalloc(((size_t)p->nseg + 2) * sizeof *r);
	int n = collect_regions(p, r);
	uint64_t end = 0;
	for (int i = 0; i < n; i++)
		if (r[i].end > end)
			end = r[i].end;
	free(r);
	return end;
}

static void region_label(char *buf, size_t n, const struct region *r)
{
	if (*r->name)
		snprintf(buf, n, "%s '%s'", r->what, r->name);
	else
		snprintf(buf, n, "%s", r->what);
}

int isa_program_layout_error(const struct isa_program *p, char *why, size_t n)
{
	struct region *r = xmalloc(((size_t)p->nseg + 2) * sizeof *r);
	int count = collect_regions(p, r), bad = -1;
	char a[160], b[160];
	for (int i = 0; i < count && bad < 0; i++) {
		region_label(a, sizeof a, &r[i]);
		if (r[i].end < r[i].begin || r[i].end > p->hw.dram.capacity) {
			snprintf(why, n, "%s (0x%" PRIx64 " to 0x%" PRIx64 ") lies outside DRAM (%" PRIu64 " bytes)", a,
				 r[i].begin, r[i].end, p->hw.dram.capacity);
			bad = i;
		} else if (r[i].begin % r[i].align) {
			snprintf(why, n, "%s at 0x%" PRIx64 " is not aligned to %" PRIu64 " bytes", a, r[i].begin,
				 r[i].align);
			bad = i;
		}
		for (int j = 0; j < i && bad < 0; j++) {
			if (r[i].begin == r[i].end || r[j].begin == r[j].end)
				continue;
			if (r[i].begin < r[j].end && r[j].begin < r[i].end) {
				region_label(b, sizeof b, &r[j]);
				snprintf(why, n, "%s (0x%" PRIx64 " to 0x%" PRIx64 ") overlaps %s (0x%" PRIx64 " to 0x%" PRIx64 ")",
					 a, r[i].begin, r[i].end, b, r[j].begin, r[j].end);
				bad = i;
			}
		}
	}
	free(r);
	return bad;
}

int isa_program_check_layout(const struct isa_program *p, const char *file, struct diags *err)
{
	char why[512];
	if (isa_program_layout_error(p, why, sizeof why) < 0)
		return 0;
	diag_add(err, file, 0, 0, "%s", why);
	return -1;
}
