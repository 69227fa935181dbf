/* The program in memory: building it and checking its DRAM layout. */
#include "program.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

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
	for (int i = 0; i < p->nstep; i++)
		free(p->step[i].from);
	free(p->step);
	for (int i = 0; i < p->nport; i++) {
		for (int k = 0; k < p->port[i].nplace; k++) {
			free(p->port[i].place[k].run);
		}
		free(p->port[i].place);
		free(p->port[i].name);
		free(p->port[i].why_not);
	}
	free(p->port);
	for (int i = 0; i < p->nhost; i++) {
		free(p->host[i].name);
		free(p->host[i].ir);
	}
	free(p->host);
	memset(p, 0, sizeof *p);
}

/* Room for one more element: 0, or -1 (out of memory, nothing changed). */
static int grow(void *arr, int n, int *cap, size_t size)
{
	if (n < *cap)
		return 0;
	int c = *cap ? 2 * *cap : 16;
	if (try_resize(arr, (size_t)c, size))
		return -1;
	*cap = c;
	return 0;
}

int isa_program_add_insn(struct isa_program *p, const struct isa_insn *in)
{
	if (grow(&p->insn, p->ninsn, &p->insn_cap, sizeof *p->insn))
		return -1;
	p->insn[p->ninsn++] = *in;
	return 0;
}

int isa_program_reserve(struct isa_program *p, int n)
{
	if (n <= p->insn_cap - p->ninsn)
		return 0;
	if (try_resize(&p->insn, (size_t)p->ninsn + (size_t)n, sizeof *p->insn))
		return -1;
	p->insn_cap = p->ninsn + n;
	return 0;
}

int isa_program_add_uop(struct isa_program *p, const struct isa_uop *u)
{
	if (grow(&p->uop, p->nuop, &p->uop_cap, sizeof *p->uop))
		return -1;
	p->uop[p->nuop++] = *u;
	return 0;
}

bool isa_segment_name_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		bool first = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
		if (!first && (i == 0 || !(ch == '.' || ch == '-' || ch == '/' || ch == ':')))
			return false;
	}
	return n > 0;
}

/* Character i of a segment name as a program writes it: as given where
 * ISA_SEGMENT_NAME_RULE allows it, else '_' (a compiled program's segments
 * take their tensors' and ops' names, which an ONNX model may spell with
 * any character: "model/conv2d/BiasAdd;model/conv2d/Conv2D", "conv 1"). */
static char segment_char(char c, size_t i)
{
	char pair[2] = {'a', c}; /* c alone as a first character, or after an allowed one */
	return isa_segment_name_ok(i ? pair : pair + 1, i ? 2 : 1) ? c : '_';
}

struct isa_segment *isa_program_add_segment(struct isa_program *p, const char *name, enum isa_segment_kind kind,
					    uint64_t addr, uint64_t size)
{
	char *copy = try_strdup(name);
	for (size_t i = 0; copy && copy[i]; i++)
		copy[i] = segment_char(copy[i], i);
	if (!copy || grow(&p->seg, p->nseg, &p->seg_cap, sizeof *p->seg)) {
		free(copy);
		return NULL;
	}
	struct isa_segment *s = &p->seg[p->nseg++];
	memset(s, 0, sizeof *s);
	s->name = copy;
	s->kind = kind;
	s->addr = addr;
	s->size = size;
	return s;
}

/* Whether segment name `seg` is how a program writes `name`. */
static bool segment_named(const char *seg, const char *name)
{
	size_t i = 0;
	for (; seg[i] && name[i]; i++)
		if (seg[i] != segment_char(name[i], i))
			return false;
	return !seg[i] && !name[i];
}

struct isa_segment *isa_program_segment(const struct isa_program *p, const char *name)
{
	for (int i = 0; i < p->nseg; i++)
		if (segment_named(p->seg[i].name, name))
			return &p->seg[i];
	return NULL;
}

struct region {
	const char *what, *name;
	uint64_t begin, end, align;
};

/* Region I of the layout: 0 the code, 1 the micro-ops, 2 + i segment i
 * (computed, not collected, so that a check allocates nothing). */
static struct region region_at(const struct isa_program *p, int i)
{
	if (i == 0)
		return (struct region){"code", "", p->code_addr,
				       p->code_addr + (uint64_t)p->ninsn * p->layout.insn_bytes, p->layout.insn_bytes};
	if (i == 1)
		return (struct region){"micro-ops", "", p->uop_addr,
				       p->uop_addr + (uint64_t)p->nuop * p->layout.uop_bytes, p->layout.uop_bytes};
	const struct isa_segment *s = &p->seg[i - 2];
	return (struct region){"segment", s->name, s->addr, s->addr + s->size, 1};
}

/* Bytes the program's loads from DRAM move into the micro-op buffer
 * (`uops`), or into the other levels. */
static uint64_t dram_load_bytes(const struct isa_program *p, bool uops)
{
	const struct hw *hw = &p->hw;
	int uop = hw->role_level[HW_ROLE_UOP];
	uint64_t n = 0;
	for (int i = 0; i < p->ninsn; i++) {
		const struct isa_insn *in = &p->insn[i];
		int lv = (int)in->f[ISA_F_BUF];
		if (p->layout.kind[in->kind].cls == ISA_CLASS_LOAD && hw->level[lv].parent < 0 && (lv == uop) == uops)
			n += (uint64_t)(in->f[ISA_F_YSIZE] * in->f[ISA_F_XSIZE]) * isa_parent_elem_bytes(hw, in);
	}
	return n;
}

uint64_t isa_program_code_bytes(const struct isa_program *p)
{
	return (uint64_t)p->ninsn * p->layout.insn_bytes + dram_load_bytes(p, true);
}

uint64_t isa_program_data_bytes(const struct isa_program *p)
{
	return dram_load_bytes(p, false);
}

uint64_t isa_lcm_within(uint64_t a, uint64_t b, uint64_t cap)
{
	uint64_t x = a, y = b;
	while (y) {
		uint64_t t = x % y;
		x = y, y = t;
	}
	uint64_t m;
	if (__builtin_mul_overflow(a / x, b, &m) || m > cap)
		return 0;
	return m;
}

uint64_t isa_segment_align(const struct hw *hw, uint64_t base)
{
	uint64_t a = base;
	for (int i = 0; i < hw->nlevels && a; i++) {
		const struct hw_level *l = &hw->level[i];
		a = isa_lcm_within(a, l->elem_bytes ? l->elem_bytes : 1, hw->dram.capacity);
		if (a && isa_narrow_values(hw, i)) /* a narrow transfer's address counts values */
			a = isa_lcm_within(a, dtype_bytes(l->dtype), hw->dram.capacity);
	}
	return a;
}

uint64_t isa_program_dram_end(const struct isa_program *p)
{
	uint64_t end = 0;
	for (int i = 0; i < p->nseg + 2; i++)
		if (region_at(p, i).end > end)
			end = region_at(p, i).end;
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
	int count = p->nseg + 2, bad = -1;
	char a[160], b[160];
	for (int i = 0; i < count && bad < 0; i++) {
		struct region ri = region_at(p, i);
		region_label(a, sizeof a, &ri);
		if (ri.end < ri.begin || ri.end > p->hw.dram.capacity) {
			snprintf(why, n, "%s (0x%" PRIx64 " to 0x%" PRIx64 ") lies outside DRAM (%" PRIu64 " bytes)", a,
				 ri.begin, ri.end, p->hw.dram.capacity);
			bad = i;
		} else if (ri.begin % ri.align) {
			snprintf(why, n, "%s at 0x%" PRIx64 " is not aligned to %" PRIu64 " bytes", a, ri.begin,
				 ri.align);
			bad = i;
		}
		for (int j = 0; j < i && bad < 0; j++) {
			struct region rj = region_at(p, j);
			if (ri.begin == ri.end || rj.begin == rj.end)
				continue;
			if (ri.begin < rj.end && rj.begin < ri.end) {
				region_label(b, sizeof b, &rj);
				snprintf(why, n, "%s (0x%" PRIx64 " to 0x%" PRIx64 ") overlaps %s (0x%" PRIx64 " to 0x%" PRIx64 ")",
					 a, ri.begin, ri.end, b, rj.begin, rj.end);
				bad = i;
			}
		}
	}
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

uint64_t isa_gather_span(const struct isa_step *g)
{
	uint64_t span = 0;
	for (uint64_t k = 0; k < g->n; k++)
		if (g->from[k] != ISA_GATHER_ZERO && (uint64_t)g->from[k] + 1 > span)
			span = (uint64_t)g->from[k] + 1;
	return span;
}

int isa_program_add_step(struct isa_program *p, const struct isa_step *st)
{
	if (grow(&p->step, p->nstep, &p->step_cap, sizeof *p->step)) {
		free(st->from);
		return -1;
	}
	p->step[p->nstep++] = *st;
	return 0;
}

int isa_program_add_host_op(struct isa_program *p, const struct isa_host_op *h)
{
	if (grow(&p->host, p->nhost, &p->host_cap, sizeof *p->host)) {
		free(h->name);
		free(h->ir);
		return -1;
	}
	p->host[p->nhost] = *h;
	return p->nhost++;
}

/* The segment holding bytes [addr, addr + n), or NULL. */
static const struct isa_segment *segment_of(const struct isa_program *p, uint64_t addr, uint64_t n)
{
	for (int i = 0; i < p->nseg; i++) {
		const struct isa_segment *s = &p->seg[i];
		if (addr >= s->addr && n <= s->size && addr - s->addr <= s->size - n)
			return s;
	}
	return NULL;
}

static int step_error(const char *file, struct diags *err, int i, const char *what)
{
	diag_add(err, file, 0, 0, "corrupt: step %d %s", i, what);
	return -1;
}

/* Run i takes the instructions after the run before it (from *next on) and
 * ends with its only finish. */
static int check_run(const struct isa_program *p, int i, uint32_t *next, const char *file, struct diags *err)
{
	const struct isa_step *st = &p->step[i];
	if (st->first != *next || !st->count || st->count > (uint32_t)p->ninsn - st->first)
		return step_error(file, err, i, "does not run the instructions after the run before it");
	for (uint32_t k = st->first; k < st->first + st->count; k++)
		if ((p->layout.kind[p->insn[k].kind].cls == ISA_CLASS_FINISH) != (k == st->first + st->count - 1))
			return step_error(file, err, i, "does not end with its only finish");
	*next = st->first + st->count;
	return 0;
}

static int check_gather(const struct isa_program *p, int i, const char *file, struct diags *err)
{
	const struct isa_step *st = &p->step[i];
	if (!st->n || !st->from)
		return step_error(file, err, i, "is a gather of no bytes");
	if (!segment_of(p, st->dst, st->n))
		return step_error(file, err, i, "writes outside every segment");
	uint64_t span = isa_gather_span(st);
	if (span && !segment_of(p, st->src, span))
		return step_error(file, err, i, "reads outside every segment");
	return 0;
}

static int check_step(const struct isa_program *p, int i, uint32_t *next, const char *file, struct diags *err)
{
	const struct isa_step *st = &p->step[i];
	switch (st->kind) {
	case ISA_STEP_RUN:
		return check_run(p, i, next, file, err);
	case ISA_STEP_GATHER:
		return check_gather(p, i, file, err);
	case ISA_STEP_HOST:
		if (st->host >= (uint32_t)p->nhost) {
			diag_add(err, file, 0, 0, "corrupt: step %d names host op %" PRIu32 "; the program has %d", i,
				 st->host, p->nhost);
			return -1;
		}
		return 0;
	default:
		return step_error(file, err, i, "is neither a run, a gather nor a host step");
	}
}

/* A host op's name goes into messages and, between quotes, into the
 * disassembly's comments: printable, on one line. */
static bool host_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < ' ' || s[i] > '~')
			return false;
	return n > 0 && n < ISA_HOST_NAME_MAX;
}

static int host_error(const char *file, struct diags *err, const struct isa_program *p, int i, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int host_error(const char *file, struct diags *err, const struct isa_program *p, int i, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	diag_add(err, file, 0, 0, "corrupt: host op %d '%s' %s", i, host_name_ok(p->host[i].name) ? p->host[i].name : "?",
		 what);
	return -1;
}

static bool names_host_op(const struct isa_program *p, int i)
{
	for (int k = 0; k < p->nstep; k++)
		if (p->step[k].kind == ISA_STEP_HOST && p->step[k].host == (uint32_t)i)
			return true;
	return false;
}

/* Host op i: what isa_program_check_steps says of host ops.  Its ir is
 * not read here: the layer that runs it decodes and checks it. */
static int check_host_op(const struct isa_program *p, int i, const char *file, struct diags *err)
{
	const struct isa_host_op *h = &p->host[i];
	if (!host_name_ok(h->name))
		return host_error(file, err, p, i, "has a bad name; expected 1 to %d printable characters",
				  ISA_HOST_NAME_MAX - 1);
	if (!h->ir || !h->ir_len || h->ir_len > ISA_HOST_MAX_IR)
		return host_error(file, err, p, i, "has %" PRIu64 " bytes of op; expected 1 to %d", h->ir ? h->ir_len : 0,
				  ISA_HOST_MAX_IR);
	if (h->nin < 0 || h->nin > ISA_HOST_MAX_IN)
		return host_error(file, err, p, i, "has %d operands; expected 0 to %d", h->nin, ISA_HOST_MAX_IN);
	for (int k = 0; k < h->nin; k++)
		if (!h->in_bytes[k] || !segment_of(p, h->in_addr[k], h->in_bytes[k]))
			return host_error(file, err, p, i, "reads outside every segment (operand %d: %" PRIu64
					  " bytes at 0x%" PRIx64 ")", k, h->in_bytes[k], h->in_addr[k]);
	if (!h->out_bytes || !segment_of(p, h->out_addr, h->out_bytes))
		return host_error(file, err, p, i, "writes outside every segment (its result: %" PRIu64
				  " bytes at 0x%" PRIx64 ")", h->out_bytes, h->out_addr);
	if (!names_host_op(p, i))
		return host_error(file, err, p, i, "is named by no step");
	return 0;
}

/* Steps may begin and end with gathers and host steps (a host op on the
 * program's input, on its result); the runs still take every instruction,
 * so a program with instructions and steps has at least one run. */
int isa_program_check_steps(const struct isa_program *p, const char *file, struct diags *err)
{
	uint32_t next = 0;
	for (int i = 0; i < p->nstep; i++)
		if (check_step(p, i, &next, file, err))
			return -1;
	if (p->nstep && next != (uint32_t)p->ninsn)
		return step_error(file, err, p->nstep - 1, "ends the program before its last instruction");
	for (int i = 0; i < p->nhost; i++)
		if (check_host_op(p, i, file, err))
			return -1;
	return 0;
}

const char *isa_program_segment_at(const struct isa_program *p, uint64_t addr)
{
	for (int i = 0; i < p->nseg; i++)
		if (addr >= p->seg[i].addr && addr - p->seg[i].addr < p->seg[i].size)
			return p->seg[i].name;
	return "?";
}
