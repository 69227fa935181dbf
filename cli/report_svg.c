/* The plots and tables of the HTML pages (report.h): inline SVG drawn
 * from numbers, inline CSS, and the one script that sorts tables.  The
 * page must open anywhere without a network, so nothing here names a URL,
 * a font file or a library. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;margin:24px auto;max-width:1180px;padding:0 16px}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #ddd}"
	"p.note{color:#555;margin:4px 0}"
	".row{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}"
	"svg.plot{background:#fff;border:1px solid #e4e4e4;max-width:100%;height:auto}"
	"svg text{font-size:11px;fill:#333}svg .title{font-size:12px;font-weight:600}"
	"svg .grid{stroke:#eee}svg .frame{fill:none;stroke:#999}"
	"svg .roof{fill:none;stroke:#c0392b;stroke-width:2}svg .rooflabel{fill:#c0392b}"
	"svg circle.op{fill:#4e79a7;stroke:#1d3d5c}svg circle.dot{fill:#4e79a7;fill-opacity:.35;stroke:#4e79a7}"
	"svg circle.dot.front{fill:#f28e2b;fill-opacity:.9;stroke:#8a4b0f}svg circle.chosen{fill:none;stroke:#111;stroke-width:2}"
	"svg rect.util{fill:#4e79a7}svg rect.bound{fill:#d6e2ef}svg rect.mark{fill:none;stroke:#111;stroke-width:1.5}"
	"table{border-collapse:collapse;margin:6px 0;font-size:13px}"
	"th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left;white-space:nowrap}"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}td.why{white-space:normal;color:#666;max-width:520px;overflow-wrap:anywhere}"
	"th{cursor:pointer;background:#f6f6f6;position:sticky;top:0}th[aria-sort=ascending]::after{content:' \\25B2'}"
	"th[aria-sort=descending]::after{content:' \\25BC'}"
	"tr.front td{background:#fff4e8}tr.chosen td{font-weight:600}tr.notrun td{color:#888}";

/* Sorts a table by the column whose heading was clicked: by data-v where
 * every cell has a number there, else by text in natural order ("4 B" before
 * "16 B"); cells without a value go last either way. */
static const char sort_script[] =
	"document.querySelectorAll('table.sortable').forEach(function (t) {\n"
	"  var heads = t.tHead.rows[0].cells;\n"
	"  Array.prototype.forEach.call(heads, function (th, col) {\n"
	"    th.addEventListener('click', function () {\n"
	"      var body = t.tBodies[0], rows = Array.prototype.slice.call(body.rows);\n"
	"      var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;\n"
	"      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });\n"
	"      th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');\n"
	"      var key = function (r) { var c = r.cells[col], v = c.getAttribute('data-v'); return v === null ? c.textContent : v; };\n"
	"      var numeric = rows.every(function (r) { var k = key(r); return k === '' || !isNaN(Number(k)); });\n"
	"      rows.sort(function (a, b) {\n"
	"        var x = key(a), y = key(b);\n"
	"        if (x === '' || y === '') return (x === '') - (y === '');\n"
	"        return dir * (numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, {numeric: true}));\n"
	"      });\n"
	"      rows.forEach(function (r) { body.appendChild(r); });\n"
	"    });\n"
	"  });\n"
	"});\n";

/* The colour of each energy part, in HW_ENERGY_PARTS order. */
static const char *const part_colour[HW_ENERGY_PART_COUNT] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f"};

void rp_begin(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	rp_text(f, title);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
}

void rp_end(FILE *f)
{
	fprintf(f, "<script>\n%s</script>\n</body>\n</html>\n", sort_script);
}

void rp_text(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
}

/* The SI prefix for magnitudes around V: its factor and its letter. */
static double si_scale(double v, const char **prefix)
{
	static const struct {
		double f;
		const char *p;
	} si[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}, {1e-3, "m"}, {1e-6, "µ"}, {1e-9, "n"}, {1e-12, "p"}};
	int n = (int)(sizeof si / sizeof si[0]);
	for (int i = 0; i < n; i++)
		if (fabs(v) >= si[i].f * 0.9995 || i == n - 1) {
			*prefix = si[i].p;
			return si[i].f;
		}
	return 1;
}

const char *rp_si(double v, const char *unit, char *buf, size_t size)
{
	const char *p;
	double f = si_scale(v, &p);
	snprintf(buf, size, "%.4g %s%s", v / f, p, unit);
	return buf;
}

/* ---- axes ---- */

/* An axis: values lo..hi drawn from pixel a to pixel b. */
struct axis {
	double lo, hi, a, b;
	bool log;
};

static double at(const struct axis *x, double v)
{
	double t = x->log ? (log10(v) - log10(x->lo)) / (log10(x->hi) - log10(x->lo)) : (v - x->lo) / (x->hi - x->lo);
	return x->a + t * (x->b - x->a);
}

/* A step of 1, 2 or 5 times a power of ten giving about 6 ticks over span. */
static double nice_step(double span)
{
	double raw = span / 6, p = pow(10, floor(log10(raw))), m = raw / p;
	return p * (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10);
}

/* Bounds for values lo..hi: whole decades on a log axis, whole steps on a
 * linear one, never empty. */
static void fit(struct axis *x, double lo, double hi, bool log, double a, double b)
{
	x->log = log, x->a = a, x->b = b;
	if (log) {
		x->lo = pow(10, floor(log10(lo)));
		x->hi = pow(10, ceil(log10(hi)));
		if (x->hi <= x->lo)
			x->hi = x->lo * 10;
		return;
	}
	if (hi <= lo)
		hi = lo + (lo ? fabs(lo) * 0.1 : 1);
	double s = nice_step(hi - lo);
	x->lo = floor(lo / s) * s, x->hi = ceil(hi / s) * s;
}

/* The tick values: each decade (log; with its 2 and 5 too when there are
 * only one or two decades), each step (linear). */
static int ticks(const struct axis *x, double *t, int max)
{
	int n = 0;
	if (x->log) {
		bool few = x->hi / x->lo < 150;
		for (double v = x->lo; v <= x->hi * 1.0001 && n < max; v *= 10)
			for (int m = 1; m <= 5 && n < max && v * m <= x->hi * 1.0001; m += m == 1 ? 1 : 3)
				if (m == 1 || few)
					t[n++] = v * m;
		return n;
	}
	double s = nice_step(x->hi - x->lo);
	for (double v = x->lo; v <= x->hi + s * 1e-6 && n < max; v += s)
		t[n++] = fabs(v) < s * 1e-9 ? 0 : v;
	return n;
}

/* The plot area of an SVG of width w and height h. */
enum { M_LEFT = 64, M_RIGHT = 18, M_TOP = 28, M_BOTTOM = 44 };

static void svg_begin(FILE *f, const char *id, int w, int h, const char *label)
{
	fprintf(f, "<svg id=\"%s\" class=\"plot\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"", id,
		w, h, w, h);
	rp_text(f, label);
	fputs("\">\n", f);
}

/* Grid lines and tick labels (value / scale) along x, and along y. */
static void xticks(FILE *f, const struct axis *x, const struct axis *y, double scale)
{
	double t[64];
	int n = ticks(x, t, 64);
	for (int i = 0; i < n; i++) {
		double px = at(x, t[i]);
		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", px, y->a, px, y->b);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n", px, y->a + 15, t[i] / scale);
	}
}

static void yticks(FILE *f, const struct axis *x, const struct axis *y, double scale)
{
	double t[64];
	int n = ticks(y, t, 64);
	for (int i = 0; i < n; i++) {
		double py = at(y, t[i]);
		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x->a, py, x->b, py);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", x->a - 5, py + 4, t[i] / scale);
	}
}

/* The frame around the plot area and the axes' titles. */
static void frame(FILE *f, const struct axis *x, const struct axis *y, const char *xtitle, const char *ytitle)
{
	fprintf(f, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n", x->a, y->b, x->b - x->a,
		y->a - y->b);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (x->a + x->b) / 2, y->a + 34);
	rp_text(f, xtitle);
	fprintf(f, "</text>\n<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">", (y->a + y->b) / 2);
	rp_text(f, ytitle);
	fputs("</text>\n", f);
}

static void title(FILE *f, double x, const char *text)
{
	fprintf(f, "<text class=\"title\" x=\"%.1f\" y=\"17\">", x);
	rp_text(f, text);
	fputs("</text>\n", f);
}

/* ---- the roofline ---- */

/* An op the log-log plot can place: it ran, multiplied and read DRAM. */
static bool placeable(const struct rp_op *o)
{
	return o->cycles && o->macs && o->dram_read;
}

/* The roofs: DRAM bandwidth times intensity up to the ridge, then the
 * compute peak, drawn from the left edge (or where the slope enters) to
 * the right edge. */
static void roofs(FILE *f, const struct rp_run *r, const struct axis *x, const struct axis *y)
{
	double x0 = fmax(x->lo, y->lo / r->bandwidth), ridge = r->peak_macs / r->bandwidth;
	fprintf(f, "<polyline class=\"roof\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>\n", at(x, x0), at(y, r->bandwidth * x0),
		at(x, ridge), at(y, r->peak_macs), x->b, at(y, r->peak_macs));
	fprintf(f, "<text class=\"rooflabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">compute roof %g MACs/cycle</text>\n",
		x->b - 4, at(y, r->peak_macs) - 5, r->peak_macs);
	/* the bandwidth's label along its slope, halfway up it */
	double ax = at(x, x0), ay = at(y, r->bandwidth * x0), bx = at(x, ridge), by = at(y, r->peak_macs);
	fprintf(f, "<text class=\"rooflabel\" text-anchor=\"middle\" transform=\"translate(%.1f %.1f) rotate(%.1f)\">DRAM %g B/cycle</text>\n",
		(ax + bx) / 2, (ay + by) / 2 - 6, atan2(by - ay, bx - ax) * 180 / acos(-1.0), r->bandwidth);
}

void rp_roofline(FILE *f, const struct rp_run *r)
{
	enum { W = 560, H = 380 };
	if (!(r->peak_macs > 0 && r->bandwidth > 0)) { /* results that do not say: no roofs to draw */
		fputs("<p class=\"note\">No roofline: the peak MACs a cycle or the DRAM bandwidth is not known.</p>\n", f);
		return;
	}
	double xlo = r->peak_macs / r->bandwidth, xhi = xlo, ylo = r->peak_macs;
	for (int i = 0; i < r->nops; i++) {
		const struct rp_op *o = &r->op[i];
		if (!placeable(o))
			continue;
		double in = (double)o->macs / (double)o->dram_read, ach = (double)o->macs / (double)o->cycles;
		xlo = fmin(xlo, in), xhi = fmax(xhi, in), ylo = fmin(ylo, ach);
	}
	struct axis x, y;
	fit(&x, xlo, xhi, true, M_LEFT, W - M_RIGHT);
	fit(&y, ylo, r->peak_macs * 1.5, true, H - M_BOTTOM, M_TOP);
	svg_begin(f, "roofline", W, H, "roofline of each op");
	title(f, M_LEFT, "Roofline per op (log-log), from the DRAM bytes each op read");
	xticks(f, &x, &y, 1), yticks(f, &x, &y, 1);
	frame(f, &x, &y, "operational intensity (MACs per DRAM byte)", "achieved MACs per cycle");
	roofs(f, r, &x, &y);
	for (int i = 0; i < r->nops; i++) {
		const struct rp_op *o = &r->op[i];
		if (!placeable(o))
			continue;
		double in = (double)o->macs / (double)o->dram_read, ach = (double)o->macs / (double)o->cycles;
		double bound = fmin(r->peak_macs, r->bandwidth * in);
		fprintf(f, "<circle class=\"op\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" data-op=\"", at(&x, in), at(&y, ach));
		rp_text(f, o->name);
		fprintf(f, "\" data-x=\"%.17g\" data-y=\"%.17g\"><title>", in, ach);
		rp_text(f, o->name);
		fprintf(f, ": %.4g MACs/byte, %.4g MACs/cycle, %.1f%% of its roof (%.4g)</title></circle>", in, ach,
			100 * ach / bound, bound);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", at(&x, in) + 7, at(&y, ach) + 4);
		rp_text(f, o->name);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
}

/* ---- utilization ---- */

void rp_utilization(FILE *f, const struct rp_run *r)
{
	enum { W = 560, ROW = 20, LEFT = 110 };
	if (!(r->peak_macs > 0)) { /* results that do not say: no fraction of it */
		fputs("<p class=\"note\">No utilization: the peak MACs a cycle is not known.</p>\n", f);
		return;
	}
	int n = 0;
	for (int i = 0; i < r->nops; i++)
		n += r->op[i].cycles > 0;
	int h = M_TOP + 8 + n * ROW + M_BOTTOM;
	struct axis x = {0, 100, LEFT, W - M_RIGHT - 40, false}, y = {0, 1, h - M_BOTTOM, M_TOP, false};
	svg_begin(f, "utilization", W, h, "utilization of each op");
	title(f, LEFT, "Utilization per op: achieved (dark), roofline bound (light)");
	xticks(f, &x, &y, 1);
	frame(f, &x, &y, "% of peak MACs per cycle", "");
	int row = 0;
	for (int i = 0; i < r->nops; i++) {
		const struct rp_op *o = &r->op[i];
		if (!o->cycles)
			continue;
		double util = (double)o->macs / ((double)o->cycles * r->peak_macs);
		double bound = o->roofline > 0 ? fmin(1, (double)o->macs / (o->roofline * r->peak_macs)) : 0;
		double top = M_TOP + 8 + row++ * ROW;
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", LEFT - 6, top + 14);
		rp_text(f, o->name);
		fprintf(f, "</text><rect class=\"bound\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\"/>", LEFT, top + 2,
			at(&x, 100 * bound) - LEFT, ROW - 4);
		fprintf(f, "<rect class=\"util\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" data-op=\"", LEFT, top + 2,
			at(&x, 100 * util) - LEFT, ROW - 4);
		rp_text(f, o->name);
		fprintf(f, "\" data-v=\"%.17g\"><title>", util);
		rp_text(f, o->name);
		fprintf(f, ": %.1f%% of peak; its roofline bound %.1f%%</title></rect>", 100 * util, 100 * bound);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%.1f%%</text>\n", at(&x, 100 * fmax(util, bound)) + 4, top + 14, 100 * util);
	}
	fputs("</svg>\n", f);
}

/* ---- energy ---- */

static void legend(FILE *f, double x, double y)
{
	for (int k = 0; k < HW_ENERGY_PART_COUNT; k++, x += 78)
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
			x, y - 9, part_colour[k], x + 14, y, hw_energy_part_name((enum hw_energy_part)k));
}

static void stack(FILE *f, const struct rp_stack *s, const struct axis *y, double x, double w)
{
	fprintf(f, "<g class=\"stack\" data-point=\"%ld\"><title>", s->point);
	rp_text(f, s->tip);
	fputs("</title>", f);
	double sum = 0, base = y->a;
	for (int k = 0; k < HW_ENERGY_PART_COUNT; k++) {
		sum += s->part[k];
		double top = at(y, sum);
		fprintf(f, "<rect class=\"part\" data-part=\"%s\" data-v=\"%.17g\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.2f\" fill=\"%s\"/>",
			hw_energy_part_name((enum hw_energy_part)k), s->part[k], x, top, w, base - top, part_colour[k]);
		base = top;
	}
	if (s->marked)
		fprintf(f, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.2f\"/>", x - 1.5, base - 1.5, w + 3,
			y->a - base + 1.5);
	fputs("</g>\n", f);
}

void rp_energy(FILE *f, const struct rp_stack *s, int n)
{
	enum { W = 1140, H = 340 };
	double max = 0;
	for (int i = 0; i < n; i++) {
		double sum = 0;
		for (int k = 0; k < HW_ENERGY_PART_COUNT; k++)
			sum += s[i].part[k];
		max = fmax(max, sum);
	}
	const char *p;
	double scale = si_scale(max * 1e-12, &p) * 1e12; /* picojoules per unit shown */
	struct axis x = {0, n ? n : 1, M_LEFT, W - M_RIGHT, false}, y;
	fit(&y, 0, max > 0 ? max : 1, false, H - M_BOTTOM, M_TOP);
	char ytitle[32];
	snprintf(ytitle, sizeof ytitle, "energy (%sJ)", p);
	svg_begin(f, "energy", W, H, "energy by part");
	title(f, M_LEFT, "Energy by part");
	legend(f, W - M_RIGHT - 5 * 78, 17);
	yticks(f, &x, &y, scale);
	frame(f, &x, &y, "", ytitle);
	double slot = (x.b - x.a) / (n ? n : 1);
	for (int i = 0; i < n; i++) {
		stack(f, &s[i], &y, x.a + slot * (i + 0.15), slot * 0.7);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x.a + slot * (i + 0.5), y.a + 15);
		rp_text(f, s[i].label);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
}

/* ---- the Pareto scatter ---- */

static void dot(FILE *f, const struct rp_dot *d, const struct axis *x, const struct axis *y, double r)
{
	double cx = at(x, d->x), cy = at(y, d->y);
	fprintf(f, "<circle class=\"dot%s\" data-point=\"%ld\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"><title>", d->front ? " front" : "",
		d->point, cx, cy, r);
	rp_text(f, d->tip);
	fputs("</title></circle>", f);
	if (d->chosen)
		fprintf(f, "<circle class=\"chosen\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"/>", cx, cy, r + 4);
	if (d->front)
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%ld</text>", cx + r + 3, cy - r + 2, d->point);
	fputc('\n', f);
}

void rp_scatter(FILE *f, const struct rp_dot *d, int n)
{
	enum { W = 1140, H = 420 };
	double xlo = INFINITY, xhi = 0, ylo = INFINITY, yhi = 0, amax = 0;
	for (int i = 0; i < n; i++) {
		xlo = fmin(xlo, d[i].x), xhi = fmax(xhi, d[i].x), ylo = fmin(ylo, d[i].y), yhi = fmax(yhi, d[i].y);
		amax = fmax(amax, d[i].size);
	}
	if (!n)
		xlo = ylo = xhi = yhi = 1;
	/* a span of more than 20 times reads better on log axes */
	bool xlog = xlo > 0 && xhi / xlo > 20, ylog = ylo > 0 && yhi / ylo > 20;
	const char *xp, *yp;
	double xs = si_scale(xhi, &xp), ys = si_scale(yhi * 1e-12, &yp) * 1e12;
	struct axis x, y;
	double xpad = xlog ? 0 : (xhi - xlo) * 0.06, ypad = ylog ? 0 : (yhi - ylo) * 0.08;
	fit(&x, xlo - xpad, xhi + xpad, xlog, M_LEFT, W - M_RIGHT);
	fit(&y, ylo - ypad, yhi + ypad, ylog, H - M_BOTTOM, M_TOP);
	char xt[48], yt[48];
	snprintf(xt, sizeof xt, "latency (%ss)", xp);
	snprintf(yt, sizeof yt, "energy (%sJ)", yp);
	svg_begin(f, "pareto", W, H, "latency against energy of every point that ran");
	title(f, M_LEFT, "Latency and energy of every point that ran; marker area: silicon area; filled: the Pareto front");
	xticks(f, &x, &y, xs), yticks(f, &x, &y, ys);
	frame(f, &x, &y, xt, yt);
	for (int pass = 0; pass < 2; pass++) /* the front on top */
		for (int i = 0; i < n; i++)
			if (d[i].front == (pass == 1))
				dot(f, &d[i], &x, &y, amax > 0 ? fmax(3, 14 * sqrt(d[i].size / amax)) : 6);
	fputs("</svg>\n", f);
}

/* ---- tables ---- */

void rp_table_begin(FILE *f, const char *id, const char *const *heads, int n)
{
	fprintf(f, "<table class=\"sortable\" id=\"%s\">\n<thead><tr>", id);
	for (int i = 0; i < n; i++) {
		fputs("<th>", f);
		rp_text(f, heads[i]);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
}

void rp_table_end(FILE *f) { fputs("</tbody>\n</table>\n", f); }

void rp_td_text(FILE *f, const char *s)
{
	fputs("<td>", f);
	rp_text(f, s);
	fputs("</td>", f);
}

void rp_td_num(FILE *f, double v, const char *shown)
{
	fprintf(f, "<td class=\"num\" data-v=\"%.17g\">", v);
	rp_text(f, shown);
	fputs("</td>", f);
}

void rp_td_none(FILE *f) { fputs("<td class=\"num\" data-v=\"\"></td>", f); }

void rp_ops_table(FILE *f, const struct rp_run *r)
{
	static const char *const heads[] = {"op",         "cycles",      "MACs",     "DRAM read (bytes)", "MACs/byte",
					    "MACs/cycle", "utilization", "of roof", "bound by", "of bound", "energy"};
	rp_table_begin(f, "ops", heads, (int)(sizeof heads / sizeof heads[0]));
	char b[64];
	for (int i = 0; i < r->nops; i++) {
		const struct rp_op *o = &r->op[i];
		fputs("<tr data-op=\"", f);
		rp_text(f, o->name);
		fputs("\">", f);
		rp_td_text(f, o->name);
		double cyc = (double)o->cycles, macs = (double)o->macs, rd = (double)o->dram_read;
		snprintf(b, sizeof b, "%.0f", cyc), rp_td_num(f, cyc, b);
		snprintf(b, sizeof b, "%.0f", macs), rp_td_num(f, macs, b);
		snprintf(b, sizeof b, "%.0f", rd), rp_td_num(f, rd, b);
		if (rd > 0)
			snprintf(b, sizeof b, "%.4g", macs / rd), rp_td_num(f, macs / rd, b);
		else
			rp_td_none(f);
		if (cyc > 0) {
			double util = macs / (cyc * r->peak_macs);
			snprintf(b, sizeof b, "%.4g", macs / cyc), rp_td_num(f, macs / cyc, b);
			if (r->peak_macs > 0)
				snprintf(b, sizeof b, "%.1f%%", 100 * util), rp_td_num(f, util, b);
			else
				rp_td_none(f);
			snprintf(b, sizeof b, "%.1f%%", 100 * o->roofline / cyc), rp_td_num(f, o->roofline / cyc, b);
		} else {
			rp_td_none(f), rp_td_none(f), rp_td_none(f);
		}
		if (o->bound > 0 && o->bound_by)
			rp_td_text(f, o->bound_by);
		else
			fputs("<td></td>", f);
		if (o->bound > 0 && cyc > 0)
			snprintf(b, sizeof b, "%.1f%%", 100 * o->bound / cyc), rp_td_num(f, o->bound / cyc, b);
		else
			rp_td_none(f);
		rp_td_num(f, o->energy_pj, rp_si(o->energy_pj * 1e-12, "J", b, sizeof b));
		fputs("</tr>\n", f);
	}
	rp_table_end(f);
}
