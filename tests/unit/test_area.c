/* The area model (hwdesc/area.h): its quantities worked out by hand for
 * vta-default, how it responds to a larger scratchpad and a larger
 * intrinsic, its sums, the reading of Yosys reports, and its logic cells
 * against the Yosys count of every calibrated configuration (rtl/area/). */
#include <math.h>

#include "hwdesc/area.h"
#include "test.h"

/* The calibrated configurations: examples/hw/NAME.yaml, rtl/area/NAME.txt. */
static const char *const calibrated[] = {"edge-tiny", "dot-i8", "vta-default", "vta-dual", "mma-fp16", "server-wide"};

static const struct hw_area_component *find(const struct hw_area *a, enum hw_area_part part, const char *name)
{
	for (int i = 0; i < a->n; i++)
		if (a->c[i].part == part && !strcmp(a->c[i].name, name))
			return &a->c[i];
	fprintf(stderr, "no %s component '%s'\n", hw_area_part_name(part), name);
	exit(1);
}

static double quantity(const struct hw_area_component *c, enum hw_area_coeff k)
{
	for (int t = 0; t < c->nterms; t++)
		if (c->term[t].coeff == k)
			return c->term[t].quantity;
	return -1;
}

static bool close_to(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)); }

/* vta-default, by hand: a 1x16x16 int8 GEMM into int32, 16 int32 values an
 * accumulator element, one lane per level, queues of 32. */
static void test_quantities(void)
{
	struct hw hw;
	struct hw_area a;
	test_load_default(&hw);
	hw_area_model(&hw, &a);
	const struct hw_area_component *g = find(&a, HW_AREA_PART_MAC, "gemm");
	ASSERT_EQ(quantity(g, HW_AREA_INT_MUL), 256 * 9 * 9);
	ASSERT_EQ(quantity(g, HW_AREA_INT_ADD), 256 * 32);
	ASSERT_EQ(quantity(g, HW_AREA_INT_OUT), 16 * 32);
	ASSERT(!g->extrapolated);
	ASSERT_EQ(quantity(find(&a, HW_AREA_PART_ALU, "alu"), HW_AREA_ALU_INT), 16 * 32 * 32);
	ASSERT_EQ(quantity(find(&a, HW_AREA_PART_DMA, "dma"), HW_AREA_DMA_LANE), 3);
	ASSERT_EQ(quantity(find(&a, HW_AREA_PART_QUEUES, "queues"), HW_AREA_QUEUE), 3 * 5);
	const struct hw_area_component *w = find(&a, HW_AREA_PART_SRAM, "wgt");
	ASSERT_EQ(quantity(w, HW_AREA_SRAM_BIT_UM2), 256 * 1024 * 8);
	ASSERT_EQ(quantity(w, HW_AREA_SRAM_PORT_UM2), 2 * 2048);
	ASSERT_EQ(quantity(find(&a, HW_AREA_PART_SRAM, "queue_entries"), HW_AREA_SRAM_BIT_UM2), 3 * 32 * 128);
	ASSERT_EQ(a.n, 1 + 4 + 5 + 1); /* gemm; alu, dma, queues, control; five levels; the queue entries */
}

/* The components add up to the totals, and every coefficient is used. */
static void test_sums(const struct hw *hw)
{
	struct hw_area a;
	hw_area_model(hw, &a);
	double cells = 0, logic = 0, sram = 0;
	for (int i = 0; i < a.n; i++) {
		const struct hw_area_component *c = &a.c[i];
		if (c->part == HW_AREA_PART_SRAM) {
			sram += c->um2;
			ASSERT_EQ(c->cells, 0);
		} else {
			cells += c->cells;
			logic += c->um2;
			ASSERT(close_to(c->um2, c->cells * hw_area_coeff_value(HW_AREA_CELL_UM2)));
		}
		ASSERT(c->um2 > 0);
	}
	ASSERT(close_to(cells, a.logic_cells));
	ASSERT(close_to(logic, a.logic_um2));
	ASSERT(close_to(sram, a.sram_um2));
	ASSERT(close_to(logic + sram, a.total_um2));
}

/* Doubling a scratchpad's capacity adds its bits times the SRAM coefficient
 * to it, and nothing anywhere else. */
static void test_capacity(void)
{
	struct hw hw, big;
	struct hw_area a, b;
	test_load_default(&hw);
	big = hw;
	int l = hw_level_lookup(&big, "inp");
	big.level[l].capacity *= 2;
	big.level[l].depth *= 2;
	hw_area_model(&hw, &a);
	hw_area_model(&big, &b);
	double added = 8.0 * (double)hw.level[l].capacity * hw_area_coeff_value(HW_AREA_SRAM_BIT_UM2);
	ASSERT(close_to(find(&b, HW_AREA_PART_SRAM, "inp")->um2 - find(&a, HW_AREA_PART_SRAM, "inp")->um2, added));
	ASSERT(close_to(b.total_um2 - a.total_um2, added));
	ASSERT(close_to(b.logic_cells, a.logic_cells));
}

/* Doubling an intrinsic's output dimension j doubles its MACs, its outputs
 * and so its whole array; the rest of the logic stays. */
static void test_intrinsic_size(void)
{
	struct hw hw, big;
	struct hw_area a, b;
	test_load_default(&hw);
	big = hw;
	struct hw_intrinsic *in = &big.intrinsic[0];
	int j = 1;
	ASSERT_STR(in->dim_name[j], "j");
	in->dim_size[j] *= 2;
	in->macs *= 2;
	in->out.tile_elems *= 2;
	hw_area_model(&hw, &a);
	hw_area_model(&big, &b);
	const struct hw_area_component *g = find(&a, HW_AREA_PART_MAC, "gemm"), *g2 = find(&b, HW_AREA_PART_MAC, "gemm");
	ASSERT(close_to(g2->cells, 2 * g->cells));
	ASSERT(close_to(b.logic_cells - a.logic_cells, g->cells));
	ASSERT_STR(g2->what, "512 MACs, int8 x int8 -> int32");
	/* wider operands: the multiplier's term grows with their widths, and
	 * the figure is no longer one the calibration measured */
	in->a.dtype = DT_INT16;
	hw_area_model(&big, &b);
	g2 = find(&b, HW_AREA_PART_MAC, "gemm");
	ASSERT_EQ(quantity(g2, HW_AREA_INT_MUL), 512 * 17 * 9);
	ASSERT(g2->extrapolated);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(1);
	}
	struct strbuf_local {
		char *s;
		size_t n;
	} b = {xmalloc(1), 0};
	char buf[4096];
	size_t got;
	while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
		b.s = xrealloc(b.s, b.n + got + 1);
		memcpy(b.s + b.n, buf, got);
		b.n += got;
	}
	b.s[b.n] = 0;
	fclose(f);
	return b.s;
}

/* Each calibrated configuration: the report's units add up to its logic
 * cells, and the model's logic cells are within HW_AREA_LOGIC_ERROR of them. */
static void test_calibrated(void)
{
	for (size_t i = 0; i < sizeof calibrated / sizeof calibrated[0]; i++) {
		struct hw hw;
		struct hw_area a;
		char path[1024], why[200];
		test_load_example(calibrated[i], &hw);
		test_sums(&hw);
		hw_area_model(&hw, &a);
		snprintf(path, sizeof path, "%s/rtl/area/%s.txt", test_source_dir(), calibrated[i]);
		char *report = slurp(path);
		int rc = hw_area_read_yosys(report, &a, why, sizeof why);
		free(report);
		if (rc)
			fprintf(stderr, "%s: %s\n", path, why);
		ASSERT_EQ(rc, 0);
		double units = 0;
		for (int c = 0; c < a.n; c++)
			if (a.c[c].part != HW_AREA_PART_SRAM) {
				ASSERT(a.c[c].yosys_cells > 0);
				units += a.c[c].yosys_cells;
			} else
				ASSERT(a.c[c].yosys_cells < 0);
		ASSERT(close_to(units, a.yosys_cells));
		ASSERT(a.yosys_flip_flops > 0 && a.yosys_memories >= 8);
		double err = a.logic_cells / a.yosys_cells - 1;
		printf("%-12s Yosys %9.0f  model %9.0f  error %+5.1f%%\n", calibrated[i], a.yosys_cells, a.logic_cells,
		       100 * err);
		ASSERT(fabs(err) <= HW_AREA_LOGIC_ERROR);
	}
}

/* Text that is not a report, and a unit the model does not know, are refused. */
static void test_bad_reports(void)
{
	struct hw hw;
	struct hw_area a;
	char why[200];
	test_load_default(&hw);
	hw_area_model(&hw, &a);
	ASSERT_EQ(hw_area_read_yosys("hello\n", &a, why, sizeof why), -1);
	ASSERT(strstr(why, "Number of cells") != NULL);
	ASSERT_EQ(hw_area_read_yosys("Number of cells: 10\nunits of tsl_core:\n  tsl_new: 1 x 10 cells, 0 flip-flops\n", &a,
				     why, sizeof why),
		  -1);
	ASSERT(strstr(why, "tsl_new") != NULL);
	ASSERT_EQ(hw_area_read_yosys("Number of cells: 10\n  $_AND_ 10\nunits of tsl_core:\n"
				     "  tsl_core itself: 1 x 10 cells, 0 flip-flops\n",
				     &a, why, sizeof why),
		  0);
	ASSERT_EQ(a.yosys_cells, 10);
	ASSERT_EQ(find(&a, HW_AREA_PART_CONTROL, "control")->yosys_cells, 10);
}

int main(void)
{
	test_quantities();
	test_capacity();
	test_intrinsic_size();
	test_calibrated();
	test_bad_reports();
	return test_done("test_area");
}
