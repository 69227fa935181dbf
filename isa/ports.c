/* isa/ports: a program's inputs and outputs (program.h), and the two
 * things done with them — a tensor into the segments it is packed into,
 * and one out of DRAM — by their tables alone. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"
#include "base/alloc.h"
#include "base/npy.h"

static const char *const port_kind_names[ISA_PORT_KIND_COUNT] = {"input", "output"};

const char *isa_port_kind_name(enum isa_port_kind k)
{
	return (unsigned)k < ISA_PORT_KIND_COUNT ? port_kind_names[k] : "?";
}

/* A name a command line can give as NAME=FILE and a listing can print as
 * it is: printable, no space, no '='. */
static bool port_name_ok(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '=')
			return false;
	return n > 0 && n < ISA_PORT_NAME_MAX;
}

/* A reason printed as it is: printable characters and spaces. */
static bool text_ok(const char *s)
{
	for (; *s; s++)
		if (*s < ' ' || *s > '~')
			return false;
	return true;
}

struct isa_port *isa_program_add_port(struct isa_program *p, const char *name, enum isa_port_kind kind,
				      enum dtype dtype, int rank, const int64_t *shape, const char *layout)
{
	if (p->nport == p->port_cap) {
		int cap = p->port_cap ? 2 * p->port_cap : 8;
		if (try_resize(&p->port, (size_t)cap, sizeof *p->port))
			return NULL;
		p->port_cap = cap;
	}
	char *nm = try_strdup(name);
	if (!nm)
		return NULL;
	struct isa_port *pt = &p->port[p->nport++];
	memset(pt, 0, sizeof *pt);
	pt->name = nm, pt->kind = kind, pt->dtype = dtype;
	pt->rank = rank < 0 ? 0 : rank > ISA_PORT_MAX_RANK ? ISA_PORT_MAX_RANK : rank;
	memcpy(pt->shape, shape, sizeof *shape * (size_t)pt->rank);
	snprintf(pt->layout, sizeof pt->layout, "%s", layout ? layout : "");
	return pt;
}

static bool same_run(const uint32_t *from, uint64_t j)
{
	return from[j - 1] == ISA_GATHER_ZERO ? from[j] == ISA_GATHER_ZERO
					      : from[j] != ISA_GATHER_ZERO && from[j] == from[j - 1] + 1;
}

/* The runs of a table of n entries (n < 2^32), or NULL when out of memory. */
static struct isa_run *runs_of(const uint32_t *from, uint64_t n, uint64_t *nrun)
{
	*nrun = 0;
	for (uint64_t j = 0; j < n; j++)
		*nrun += !j || !same_run(from, j);
	struct isa_run *run = try_malloc((size_t)*nrun * sizeof *run + 1);
	for (uint64_t j = 0, start = 0, r = 0; run && j < n; j++)
		if (j + 1 == n || !same_run(from, j + 1)) {
			run[r++] = (struct isa_run){(uint32_t)(j + 1 - start), from[start]};
			start = j + 1;
		}
	return run;
}

int isa_port_add_runs(struct isa_port *pt, uint64_t addr, uint64_t n, struct isa_run *run, uint64_t nrun)
{
	uint64_t sum = 0; /* at most nrun runs of under 2^32: no overflow */
	bool ok = true;
	for (uint64_t r = 0; r < nrun && ok; r++) {
		ok = run[r].len && (run[r].first == ISA_GATHER_ZERO || (uint64_t)run[r].first + run[r].len <= ISA_GATHER_ZERO);
		sum += run[r].len;
	}
	if (!ok || sum != n) {
		free(run);
		return 1;
	}
	if (pt->nplace == pt->place_cap &&
	    try_resize(&pt->place, (size_t)(pt->place_cap ? 2 * pt->place_cap : 2), sizeof *pt->place)) {
		free(run);
		return -1;
	}
	if (pt->nplace == pt->place_cap)
		pt->place_cap = pt->place_cap ? 2 * pt->place_cap : 2;
	pt->place[pt->nplace++] = (struct isa_place){addr, n, nrun, run};
	return 0;
}

int isa_port_add_place(struct isa_port *pt, uint64_t addr, uint64_t n, uint32_t *from)
{
	uint64_t nrun = 0;
	struct isa_run *run = n < ISA_GATHER_ZERO ? runs_of(from, n, &nrun) : NULL;
	free(from);
	return run ? (isa_port_add_runs(pt, addr, n, run, nrun) ? -1 : 0) : -1;
}

int isa_program_port(const struct isa_program *p, const char *name)
{
	for (int i = 0; i < p->nport; i++)
		if (!strcmp(p->port[i].name, name))
			return i;
	return -1;
}

uint64_t isa_port_bytes(const struct isa_port *pt)
{
	uint64_t n = (unsigned)pt->dtype < DTYPE_COUNT ? dtype_bytes(pt->dtype) : 0;
	for (int d = 0; d < pt->rank; d++) {
		if (pt->shape[d] < 1 || n > (UINT64_C(1) << 32) / (uint64_t)pt->shape[d])
			return UINT64_MAX;
		n *= (uint64_t)pt->shape[d];
	}
	return n;
}

uint64_t isa_port_span(const struct isa_port *pt)
{
	uint64_t span = 0;
	for (uint64_t r = 0; pt->nplace && r < pt->place[0].nrun; r++) {
		const struct isa_run *run = &pt->place[0].run[r];
		if (run->first != ISA_GATHER_ZERO && (uint64_t)run->first + run->len > span)
			span = (uint64_t)run->first + run->len;
	}
	return span;
}

/* ---- checking what a file says ---- */

/* The segment holding [addr, addr + n), or -1. */
static int segment_holding(const struct isa_program *p, uint64_t addr, uint64_t n)
{
	for (int i = 0; i < p->nseg; i++) {
		const struct isa_segment *s = &p->seg[i];
		if (addr >= s->addr && n <= s->size && addr - s->addr <= s->size - n)
			return i;
	}
	return -1;
}

static int port_error(const char *file, struct diags *err, const struct isa_program *p, int i, const char *what)
{
	diag_add(err, file, 0, 0, "corrupt: port %d (%s) %s", i, port_name_ok(p->port[i].name) ? p->port[i].name : "?",
		 what);
	return -1;
}

static const char *place_problem(const struct isa_program *p, const struct isa_port *pt, uint64_t bytes)
{
	if (pt->why_not && !pt->nplace)
		return NULL;
	if (pt->kind == ISA_PORT_OUTPUT) {
		if (pt->nplace != 1 || pt->place[0].n != bytes)
			return "is an output without one place of its size";
		for (uint64_t r = 0; r < pt->place[0].nrun; r++)
			if (pt->place[0].run[r].first == ISA_GATHER_ZERO)
				return "has a byte that comes from nowhere";
		uint64_t span = isa_port_span(pt);
		return segment_holding(p, pt->place[0].addr, span) < 0 ? "reads outside every segment" : NULL;
	}
	if (!pt->nplace)
		return "is an input packed nowhere";
	for (int k = 0; k < pt->nplace; k++) {
		const struct isa_place *pl = &pt->place[k];
		if (!pl->n || segment_holding(p, pl->addr, pl->n) < 0)
			return "writes outside every segment";
		for (uint64_t r = 0; r < pl->nrun; r++)
			if (pl->run[r].first != ISA_GATHER_ZERO && (uint64_t)pl->run[r].first + pl->run[r].len > bytes)
				return "takes a byte past the end of its tensor";
	}
	return NULL;
}

int isa_program_check_ports(const struct isa_program *p, const char *file, struct diags *err)
{
	for (int i = 0; i < p->nport; i++) {
		const struct isa_port *pt = &p->port[i];
		if (!port_name_ok(pt->name))
			return port_error(file, err, p, i, "has a bad name; expected 1 to 63 printable characters, no space or '='");
		if (isa_program_port(p, pt->name) != i)
			return port_error(file, err, p, i, "is named twice");
		if ((unsigned)pt->kind >= ISA_PORT_KIND_COUNT || (unsigned)pt->dtype >= DTYPE_COUNT || pt->rank < 1)
			return port_error(file, err, p, i, "has an unknown kind or dtype, or no dimensions");
		uint64_t bytes = isa_port_bytes(pt);
		if (bytes == UINT64_MAX || bytes >= ISA_GATHER_ZERO)
			return port_error(file, err, p, i, "has a dimension below 1 or is over 4 GiB");
		if (pt->layout[0] && strlen(pt->layout) != (size_t)pt->rank)
			return port_error(file, err, p, i, "has a layout of another rank");
		if (pt->why_not && !text_ok(pt->why_not))
			return port_error(file, err, p, i, "has a control character in why it cannot be used");
		const char *why = place_problem(p, pt, bytes);
		if (why)
			return port_error(file, err, p, i, why);
	}
	return 0;
}

/* ---- using them ---- */

int isa_program_set_input(struct isa_program *p, int port, const uint8_t *tensor, struct diags *err)
{
	const struct isa_port *pt = &p->port[port];
	for (int k = 0; k < pt->nplace; k++) {
		const struct isa_place *pl = &pt->place[k];
		struct isa_segment *s = &p->seg[segment_holding(p, pl->addr, pl->n)];
		uint64_t end = pl->addr - s->addr + pl->n;
		if (end > s->data_len) { /* the data grows to cover the place; zeros between */
			if (try_resize(&s->data, (size_t)end, 1))
				return diag_nomem(err, NULL, (size_t)end, "segment '%s' for input '%s'", s->name, pt->name);
			memset(s->data + s->data_len, 0, (size_t)(end - s->data_len));
			s->data_len = end;
		}
		uint8_t *dst = s->data + (pl->addr - s->addr);
		for (uint64_t r = 0; r < pl->nrun; dst += pl->run[r++].len)
			if (pl->run[r].first == ISA_GATHER_ZERO)
				memset(dst, 0, pl->run[r].len);
			else
				memcpy(dst, tensor + pl->run[r].first, pl->run[r].len);
	}
	return 0;
}

void isa_port_take_output(const struct isa_port *pt, const uint8_t *dram, uint8_t *tensor)
{
	const struct isa_place *pl = &pt->place[0];
	for (uint64_t r = 0; r < pl->nrun; tensor += pl->run[r++].len)
		memcpy(tensor, dram + pl->run[r].first, pl->run[r].len); /* an output has no zeros */
}

void isa_port_describe(const struct isa_program *p, const struct isa_port *pt, struct strbuf *out)
{
	char shape[160];
	npy_shape_text(pt->rank, pt->shape, shape, sizeof shape);
	sb_printf(out, "%s %s %s %s%s%s", isa_port_kind_name(pt->kind), pt->name, dtype_name(pt->dtype), shape,
		  pt->layout[0] ? " " : "", pt->layout);
	for (int k = 0; k < pt->nplace; k++)
		sb_printf(out, "%s%s", k ? ", " : pt->kind == ISA_PORT_INPUT ? " -> " : " <- ",
			  isa_program_segment_at(p, pt->place[k].addr));
	if (pt->why_not)
		sb_printf(out, " (cannot be %s: %s)", pt->kind == ISA_PORT_INPUT ? "given" : "read back", pt->why_not);
}

/* ---- tensors in .npy files ---- */

/* "a, b, c": the ports of one kind. */
/* The names of the program's ports of kind `kind`, or (segments) of its
 * segments of that kind, for a message: "a, b", or "none". */
static void kind_names(const struct isa_program *p, bool segments, int kind, char *buf, size_t n)
{
	size_t at = 0;
	buf[0] = 0;
	for (int i = 0; i < (segments ? p->nseg : p->nport) && at < n; i++)
		if ((segments ? (int)p->seg[i].kind : (int)p->port[i].kind) == kind)
			at += (size_t)snprintf(buf + at, n - at, "%s%s", at ? ", " : "", segments ? p->seg[i].name : p->port[i].name);
	if (!at)
		snprintf(buf, n, "none");
}

/* The port `name` of kind `kind` that can be used, or -1 with an error.  A
 * program without tensors (one tessel asm wrote) has segments instead: the
 * error lists those (an output is read back by its segment's name; an
 * input is given by none). */
static int usable_port(const struct isa_program *p, const char *name, enum isa_port_kind kind, struct diags *err)
{
	int i = isa_program_port(p, name);
	const char *what = isa_port_kind_name(kind);
	char names[512];
	if (!p->nport) {
		kind_names(p, true, kind == ISA_PORT_INPUT ? ISA_SEG_INPUT : ISA_SEG_OUTPUT, names, sizeof names);
		if (kind == ISA_PORT_OUTPUT)
			diag_add(err, NULL, 0, 0, "tensor '%s' is not an output of the program; its output segments: %s", name, names);
		else
			diag_add(err, NULL, 0, 0, "tensor '%s' is not an input of the program; it has segments, not tensors, and "
				 "takes no --input (its input segments: %s)", name, names);
		return -1;
	}
	if (i < 0 || p->port[i].kind != kind) {
		kind_names(p, false, kind, names, sizeof names);
		diag_add(err, NULL, 0, 0, "tensor '%s' is not an %s of the program%s; its %ss: %s", name, what,
			 i < 0 ? "" : kind == ISA_PORT_INPUT ? " (it is an output)" : " (it is an input)", what, names);
		return -1;
	}
	if (p->port[i].why_not) {
		diag_add(err, NULL, 0, 0, "tensor '%s' cannot be %s: %s", name, kind == ISA_PORT_INPUT ? "given" : "read back",
			 p->port[i].why_not);
		return -1;
	}
	return i;
}

int isa_program_input_port(const struct isa_program *p, const char *name, struct diags *err)
{
	return usable_port(p, name, ISA_PORT_INPUT, err);
}

int isa_program_output_port(const struct isa_program *p, const char *name, struct diags *err)
{
	return usable_port(p, name, ISA_PORT_OUTPUT, err);
}

int isa_port_check_array(const struct isa_port *pt, enum dtype dtype, int rank, const int64_t *shape,
			 const char *file, struct diags *err)
{
	if (dtype == pt->dtype && rank == pt->rank && !memcmp(shape, pt->shape, sizeof *shape * (size_t)rank))
		return 0;
	char want[160], have[160];
	npy_shape_text(pt->rank, pt->shape, want, sizeof want);
	npy_shape_text(rank, shape, have, sizeof have);
	diag_add(err, file, 0, 0, "tensor '%s' is %s %s%s%s; the %s %s %s", pt->name, dtype_name(pt->dtype), want,
		 pt->layout[0] ? " " : "", pt->layout, file ? "file holds" : "array given is", dtype_name(dtype), have);
	return -1;
}

int isa_program_input_npy(struct isa_program *p, const char *name, const char *path, struct diags *err)
{
	int i = usable_port(p, name, ISA_PORT_INPUT, err);
	if (i < 0)
		return -1;
	struct npy a;
	if (npy_read(path, &a, err))
		return -1;
	int rc = isa_port_check_array(&p->port[i], a.dtype, a.rank, a.shape, path, err);
	if (!rc)
		rc = isa_program_set_input(p, i, a.data, err);
	npy_free(&a);
	return rc;
}

int isa_port_write_npy(const struct isa_port *pt, const uint8_t *tensor, const char *path, struct diags *err)
{
	return npy_write(path, pt->dtype, pt->rank, pt->shape, tensor, err);
}
