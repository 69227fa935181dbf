/* The HTML page of `tessel report` (a sweep's results) and `tessel exec
 * --html` (one run): one self-contained file, its plots inline SVG written
 * here, its style inline CSS, and one small inline script that sorts the
 * tables; nothing is fetched.  Internal to cli/: the plots and tables both
 * pages share (report_svg.c) and the sweep's page (report.c).
 *
 * Every text that comes from a user's file (axis names and labels, op and
 * workload names, reasons) goes through rp_text, which escapes it. */
#ifndef TESSEL_CLI_REPORT_H
#define TESSEL_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hwdesc/energy.h"

/* One op of a run on the accelerator. */
struct rp_op {
	const char *name;  /* as shown: "op", or "workload/op" when a run has several workloads */
	uint64_t cycles, macs, dram_read;
	double roofline;   /* the cycles of its roofline bound */
	double energy_pj;
	double bound;      /* the cycles of the machine's bound (cc_machine_bound), 0: not known */
	const char *bound_by; /* its binding resource: "mac", "alu", "dram" */
};

/* One run: the accelerator ops of one point or of one `tessel exec`. */
struct rp_run {
	double peak_macs, bandwidth; /* MACs and DRAM bytes a cycle: the roofs */
	int nops;
	const struct rp_op *op;
};

/* One bar of the energy breakdown: its parts in picojoules. */
struct rp_stack {
	const char *label, *tip; /* under the bar; its tooltip */
	double part[HW_ENERGY_PART_COUNT];
	bool marked;             /* drawn with an outline (the chosen point) */
	long point;              /* data-point of the bar, or -1 */
};

/* One marker of the Pareto scatter. */
struct rp_dot {
	double x, y, size;    /* seconds, picojoules, mm² (the marker's area) */
	bool front, chosen;
	long point;
	const char *tip;
};

/* The page: the head with its style, then the body up to the caller's
 * sections; rp_end adds the sorting script and closes it. */
void rp_begin(FILE *f, const char *title);
void rp_end(FILE *f);
/* S with &, <, >, " and ' escaped, for text and attribute values. */
void rp_text(FILE *f, const char *s);
/* V as text with an SI prefix on UNIT: "7.465 ms", "10.77 mJ". */
const char *rp_si(double v, const char *unit, char *buf, size_t size);

/* The per-op roofline (log-log: MACs per DRAM byte against MACs a cycle,
 * under the compute and bandwidth roofs) and utilization bars. */
void rp_roofline(FILE *f, const struct rp_run *r);
void rp_utilization(FILE *f, const struct rp_run *r);
/* Stacked bars of energy by part, one per stack, with the parts' legend. */
void rp_energy(FILE *f, const struct rp_stack *s, int n);
/* Latency against energy; marker area is silicon area, the front filled. */
void rp_scatter(FILE *f, const struct rp_dot *d, int n);

/* Sortable tables: a click on a heading sorts by its column, numbers by
 * their value (data-v), other text in natural order. */
void rp_table_begin(FILE *f, const char *id, const char *const *heads, int n);
void rp_table_end(FILE *f);
void rp_td_text(FILE *f, const char *s);
void rp_td_num(FILE *f, double v, const char *shown);
void rp_td_none(FILE *f);
/* The ops of a run as a table: cycles, MACs, DRAM bytes read, intensity,
 * MACs a cycle, utilization, fraction of the roofline, energy. */
void rp_ops_table(FILE *f, const struct rp_run *r);

#endif
