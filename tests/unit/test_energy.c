/* Energy: the defaults against the published figures they cite, an energy
 * section read back exactly and kept out of the fingerprint, the actions a
 * small program does worked out by hand from its instructions, and the
 * energy of a run as the sum of its counts times the table. */
#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "device/device.h"
#include "hwdesc/energy.h"
#include "sim/simulator.h"
#include "test.h"

static bool near(double a, double b) { return fabs(a - b) <= 1e-9 * (fabs(a) + fabs(b) + 1); }

/* Horowitz (ISSCC 2014): an 8-bit multiply 0.2 pJ, a 32-bit add 0.1 pJ, a
 * 64-bit access of a 32 KB SRAM 20 pJ, of 8 KB 10 pJ, of 1 MB 100 pJ,
 * DRAM 1.3-2.6 nJ per 64 bits. */
static void test_defaults(void)
{
	struct hw hw;
	test_load_default(&hw);
	ASSERT(!hw.energy.given);
	ASSERT(near(hw.energy.mac[0], 0.2 + 0.1)); /* int8 x int8 into int32 */
	int inp = hw_level_lookup(&hw, "inp"), wgt = hw_level_lookup(&hw, "wgt");
	ASSERT(near(hw.energy.read[inp], 20.0 * 128 / 64)); /* 32 KiB, 16-byte elements */
	ASSERT(near(hw.energy.write[inp], hw.energy.read[inp]));
	ASSERT(near(hw_energy_sram_pj(8 << 10, 64), 10) && near(hw_energy_sram_pj(1 << 20, 64), 100));
	/* between the published sizes, between their energies, rising */
	double e256 = hw.energy.read[wgt] * 64 / 2048;
	ASSERT(e256 > 20 && e256 < 100);
	ASSERT(hw.energy.dram_read >= 1300.0 / 8 && hw.energy.dram_read <= 2600.0 / 8);
	ASSERT(near(hw.energy.alu[HW_ALU_ADD], 0.1) && near(hw.energy.alu[HW_ALU_MUL], 3.1));
	ASSERT(hw.energy.leakage[inp] == 0);
}

static const char section[] = "energy:\n"
			      "  mac: {int8*int8: 0.25}\n"
			      "  levels:\n"
			      "    inp: {read: 3, write: 4.5, leakage: 0.125}\n"
			      "  dram: {read: 100}\n"
			      "  alu: {shr: 0}\n";

static char *with_section(void)
{
	const char *src = getenv("TESSEL_SOURCE_DIR");
	char path[512];
	snprintf(path, sizeof path, "%s/examples/hw/vta-default.yaml", src ? src : ".");
	FILE *f = fopen(path, "rb");
	ASSERT(f != NULL);
	char *text = xcalloc(1, 1 << 16);
	size_t n = fread(text, 1, (1 << 16) - sizeof section - 1, f);
	fclose(f);
	memcpy(text + n, section, sizeof section);
	return text;
}

static void test_section(void)
{
	struct hw plain, hw, again;
	struct diags err = {0};
	test_load_default(&plain);
	char *text = with_section();
	ASSERT_EQ(hw_load_string(text, "energy.yaml", &hw, &err), 0);
	diag_print(&err, stderr);
	int inp = hw_level_lookup(&hw, "inp"), acc = hw_level_lookup(&hw, "acc");
	ASSERT(hw.energy.given);
	ASSERT(hw.energy.mac[0] == 0.25 && hw.energy.read[inp] == 3 && hw.energy.write[inp] == 4.5);
	ASSERT(hw.energy.leakage[inp] == 0.125 && hw.energy.dram_read == 100 && hw.energy.alu[HW_ALU_SHR] == 0);
	/* what it leaves out keeps its default */
	ASSERT(hw.energy.dram_write == plain.energy.dram_write && hw.energy.read[acc] == plain.energy.read[acc]);
	ASSERT(hw.energy.alu[HW_ALU_ADD] == plain.energy.alu[HW_ALU_ADD]);
	/* the same machine for programs and tuning records */
	ASSERT(hw_fingerprint(&hw) == hw_fingerprint(&plain));
	char *c = hw_canonical(&hw), *cp = hw_canonical(&plain);
	ASSERT(strstr(c, "\nenergy:\n") != NULL && !strstr(cp, "energy"));
	/* the fingerprint is the hash of the canonical text up to the section */
	ASSERT(hw_fingerprint(&hw) == XXH64(c, (size_t)(strstr(c, "\nenergy:\n") - c) + 1, 0));
	ASSERT(hw_fingerprint(&plain) == XXH64(cp, strlen(cp), 0));
	free(cp);
	ASSERT_EQ(hw_load_string(c, "canonical.yaml", &again, &err), 0);
	ASSERT(again.energy.given);
	ASSERT(!memcmp(&again.energy.mac, &hw.energy.mac, sizeof hw.energy.mac));
	ASSERT(!memcmp(&again.energy.read, &hw.energy.read, sizeof hw.energy.read));
	ASSERT(!memcmp(&again.energy.leakage, &hw.energy.leakage, sizeof hw.energy.leakage));
	ASSERT(!memcmp(&again.energy.alu, &hw.energy.alu, sizeof hw.energy.alu));
	free(c);
	free(text);
	diag_free(&err);
}

/* examples/asm/vta-gemm.s, counted by hand: loads of one micro-op, one
 * bias row (acc), one input row and one weight block; one gemm beat (reads
 * its micro-op, inp, wgt and the bias row, writes acc and out); two ALU
 * beats with immediates (each reads its micro-op and the acc row, writes
 * acc and out, 16 lane operations); a store of one out row. */
static void test_program_actions(void)
{
	const char *src = getenv("TESSEL_SOURCE_DIR");
	char path[512];
	snprintf(path, sizeof path, "%s/examples/asm/vta-gemm.s", src ? src : ".");
	FILE *f = fopen(path, "rb");
	ASSERT(f != NULL);
	char text[4096] = "";
	text[fread(text, 1, sizeof text - 1, f)] = 0;
	fclose(f);
	struct hw hw;
	struct diags err = {0};
	test_load_default(&hw);
	struct isa_program p;
	ASSERT_EQ(isa_assemble(text, "vta-gemm.s", &hw, &p, &err), 0);
	struct device *d = dev_sim.open(&p.hw, &err);
	struct dev_stats st;
	ASSERT_EQ(dev_run_program(&dev_sim, d, &p, NULL, &st, &err), 0);
	int inp = hw_level_lookup(&hw, "inp"), wgt = hw_level_lookup(&hw, "wgt"), acc = hw_level_lookup(&hw, "acc"),
	    out = hw_level_lookup(&hw, "out"), uop = hw_level_lookup(&hw, "uop");
	ASSERT_EQ(st.act.macs[0], 256);
	ASSERT_EQ(st.act.writes[uop], 1);
	ASSERT_EQ(st.act.reads[uop], 3);
	ASSERT_EQ(st.act.writes[inp], 1);
	ASSERT_EQ(st.act.reads[inp], 1);
	ASSERT_EQ(st.act.writes[wgt], 1);
	ASSERT_EQ(st.act.reads[wgt], 1);
	ASSERT_EQ(st.act.writes[acc], 1 + 1 + 2);
	ASSERT_EQ(st.act.reads[acc], 1 + 2);
	ASSERT_EQ(st.act.writes[out], 1 + 2);
	ASSERT_EQ(st.act.reads[out], 1);
	ASSERT_EQ(st.act.alu[HW_ALU_SHR], 16);
	ASSERT_EQ(st.act.alu[HW_ALU_MAX], 16);
	ASSERT_EQ(st.act.alu[HW_ALU_ADD], 0);

	/* the energy is the counts times the table, component by component */
	struct hw_energy_report r;
	hw_energy_of(&hw, &st.act, st.dram_read, st.dram_written, st.cycles, &r);
	const struct hw_energy *e = &hw.energy;
	double onchip = 0;
	for (int l = 0; l < hw.nlevels; l++)
		onchip += (double)st.act.reads[l] * e->read[l] + (double)st.act.writes[l] * e->write[l];
	ASSERT(near(r.part[HW_ENERGY_MAC], 256 * e->mac[0]));
	ASSERT(near(r.part[HW_ENERGY_ONCHIP], onchip));
	ASSERT(near(r.part[HW_ENERGY_DRAM], (double)(st.dram_read + st.dram_written) * e->dram_read));
	ASSERT(near(r.part[HW_ENERGY_ALU], 16 * (e->alu[HW_ALU_SHR] + e->alu[HW_ALU_MAX])));
	ASSERT(r.part[HW_ENERGY_LEAKAGE] == 0);
	ASSERT(near(r.total, r.part[HW_ENERGY_MAC] + onchip + r.part[HW_ENERGY_DRAM] + r.part[HW_ENERGY_ALU]));
	ASSERT(st.dram_read > 0 && r.part[HW_ENERGY_DRAM] > r.part[HW_ENERGY_MAC]);
	dev_sim.close(d);
	isa_program_free(&p);
	diag_free(&err);
}

int main(void)
{
	test_defaults();
	test_section();
	test_program_actions();
	return test_done("energy");
}
