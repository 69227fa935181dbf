// The Verilator harness: a thin C++ shim around the Verilated accelerator
// (Vtsl_top) that exports the C interface of rtl/rtl_abi.h.  It owns DRAM
// and answers the RTL's DRAM port through DPI-C: channel timing with the
// simulator's own model (device/dram.c, compiled in here), data from and to
// the DRAM array.  Built by tessel at run time (rtl/build.c), one shared
// object per hardware description; the builder defines TSL_DRAM_BITS and
// TSL_CHUNK_BITS, the widths of the DRAM port's data vectors (a lane's, the
// fetch port's).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "Vtsl_top.h"
#include "Vtsl_top__Dpi.h"
#include "verilated.h"
#include "verilated_vcd_c.h"

#include "rtl_abi.h"
extern "C" {
#include "dram.c"
}

namespace {

struct model {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vtsl_top> top;
	uint8_t *dram = nullptr;
	uint64_t dram_size = 0;
	dram_channel chan{};
	uint32_t bandwidth = 0, latency = 0, burst = 0;
	bool dram_error = false;
	char error[256] = "";
};

model *cur; // the model whose run is in progress: DPI calls have no context argument

bool in_dram(uint64_t addr, uint64_t n) { return addr <= cur->dram_size && n <= cur->dram_size - addr; }

void access_error(const char *what, uint64_t addr, uint64_t n)
{
	if (!cur->dram_error)
		std::snprintf(cur->error, sizeof cur->error,
			      "DRAM %s of %llu bytes at 0x%llx is outside DRAM (%llu bytes)", what,
			      (unsigned long long)n, (unsigned long long)addr, (unsigned long long)cur->dram_size);
	cur->dram_error = true;
}

// Little-endian bytes to and from a bit vector (bit 0 = bit 0 of byte 0).
void to_bits(const uint8_t *src, uint64_t n, svBitVecVal *dst, size_t words)
{
	std::memset(dst, 0, words * sizeof *dst);
	for (uint64_t i = 0; i < n && i / 4 < words; i++)
		dst[i / 4] |= (svBitVecVal)src[i] << (8 * (i % 4));
}

void read_into(int en, long long addr, int bytes, svBitVecVal *data, size_t words)
{
	if (!en || !cur) {
		std::memset(data, 0, words * sizeof *data);
		return;
	}
	if (!in_dram((uint64_t)addr, (uint64_t)bytes)) {
		access_error("read", (uint64_t)addr, (uint64_t)bytes);
		std::memset(data, 0, words * sizeof *data);
		return;
	}
	to_bits(cur->dram + addr, (uint64_t)bytes, data, words);
}

} // namespace

// ---- DPI-C: the RTL's DRAM port ----

extern "C" long long tsl_dram_request(long long now, int rows, int row_bytes, int is_write)
{
	uint64_t done = (uint64_t)now;
	for (int r = 0; r < rows; r++)
		done = dram_request(&cur->chan, (uint64_t)now, (uint64_t)(uint32_t)row_bytes, is_write);
	return (long long)done;
}

extern "C" void tsl_dram_read(int en, long long addr, int bytes, long long, svBitVecVal *data)
{
	read_into(en, addr, bytes, data, (TSL_DRAM_BITS + 31) / 32);
}

extern "C" void tsl_dram_read_code(int en, long long addr, int bytes, long long, svBitVecVal *data)
{
	read_into(en, addr, bytes, data, (TSL_CHUNK_BITS + 31) / 32);
}

extern "C" void tsl_dram_write(long long addr, int bytes, const svBitVecVal *data)
{
	if (!in_dram((uint64_t)addr, (uint64_t)bytes)) {
		access_error("write", (uint64_t)addr, (uint64_t)bytes);
		return;
	}
	for (int i = 0; i < bytes; i++)
		cur->dram[addr + i] = (uint8_t)(data[i / 4] >> (8 * (i % 4)));
}

// ---- the C interface ----

namespace {

void *create(uint64_t dram_size, uint32_t bandwidth, uint32_t latency, uint32_t burst)
{
	auto *m = new model;
	// Fresh pages, backed only where the program writes (as the simulator's
	// DRAM, base/alloc.h): a description may have 1 GiB of DRAM.
	void *mem = mmap(nullptr, dram_size ? dram_size : 1, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	m->dram = mem == MAP_FAILED ? nullptr : static_cast<uint8_t *>(mem);
	if (!m->dram) {
		delete m;
		return nullptr;
	}
	m->dram_size = dram_size;
	m->bandwidth = bandwidth;
	m->latency = latency;
	m->burst = burst;
	m->ctx = std::make_unique<VerilatedContext>();
	m->ctx->traceEverOn(true);
	m->top = std::make_unique<Vtsl_top>(m->ctx.get(), "tsl");
	return m;
}

uint8_t *dram(void *p) { return static_cast<model *>(p)->dram; }

#if VM_COVERAGE
// A coverage model (TESSEL_RTL_COVERAGE=DIR, docs/rtl.md) adds its counts
// to DIR as one file per model, which verilator_coverage merges.  Verilator
// aborts on a file it cannot write, so an unusable DIR is reported instead.
void write_coverage(model *m)
{
	static int seq;
	const char *dir = std::getenv("TESSEL_RTL_COVERAGE");
	if (!dir || !*dir)
		return;
	mkdir(dir, 0777);
	if (access(dir, W_OK)) {
		std::fprintf(stderr, "tessel: cannot write RTL coverage into '%s'\n", dir);
		return;
	}
	std::string path = std::string(dir) + "/" + std::to_string(getpid()) + "-" + std::to_string(seq++) + ".dat";
	m->ctx->coveragep()->write(path.c_str());
}
#endif

void destroy(void *p)
{
	auto *m = static_cast<model *>(p);
	if (!m)
		return;
#if VM_COVERAGE
	write_coverage(m);
#endif
	m->top->final();
	m->top.reset();
	m->ctx.reset();
	munmap(m->dram, m->dram_size ? m->dram_size : 1);
	delete m;
}

uint64_t word64(const VlWide<6> &w, int i) { return (uint64_t)w[2 * i] | (uint64_t)w[2 * i + 1] << 32; }

struct run_state {
	model *m;
	VerilatedVcdC *vcd;
	uint64_t tick;
};

void half(run_state &s, int clk)
{
	s.m->top->clk = clk;
	s.m->top->eval();
	if (s.vcd)
		s.vcd->dump(s.tick);
	s.tick++;
}

int run(void *p, uint64_t code_addr, uint32_t ninsn, const char *waves, const rtl_abi_events *ev, rtl_abi_result *res)
{
	auto *m = static_cast<model *>(p);
	Vtsl_top *t = m->top.get();
	std::memset(res, 0, sizeof *res);
	cur = m;
	m->dram_error = false;
	dram_channel_init(&m->chan, m->bandwidth, m->latency, m->burst);
	std::unique_ptr<VerilatedVcdC> vcd;
	if (waves) {
		vcd = std::make_unique<VerilatedVcdC>();
		t->trace(vcd.get(), 99);
		vcd->open(waves);
		if (!vcd->isOpen()) {
			std::snprintf(res->error, sizeof res->error, "cannot write the waves to %s", waves);
			cur = nullptr;
			return -1;
		}
	}
	run_state s{m, vcd.get(), 0};
	t->code_addr = code_addr;
	t->ninsn = ninsn;
	t->rst = 1;
	half(s, 0);
	half(s, 1);
	t->rst = 0;
	half(s, 0);
	bool pending[3] = {false, false, false}, fpending = false;
	uint32_t pindex[3] = {0, 0, 0}, ffirst = 0;
	uint64_t pstart[3] = {0, 0, 0}, fstart = 0;
	for (;;) {
		uint64_t now = t->now;
		// what started in the previous cycle now knows its end
		for (int q = 0; q < 3; q++)
			if (pending[q]) {
				ev->insn(ev->ctx, q, pindex[q], pstart[q], word64(t->end_cycle, q));
				pending[q] = false;
			}
		if (fpending) {
			ev->fetch(ev->ctx, ffirst, fstart, t->f_arrive);
			fpending = false;
		}
		if (t->finished || t->stuck || m->dram_error) {
			res->end = t->finished ? RTL_END_FINISH : m->dram_error ? RTL_END_DRAM_ERROR : RTL_END_STUCK;
			res->cycles = now;
			break;
		}
		if (ev->poll && ev->poll(ev->ctx, now)) {
			res->end = RTL_END_LIMIT;
			res->cycles = now;
			break;
		}
		for (int q = 0; q < 3; q++) {
			if (t->started >> q & 1) {
				pending[q] = true;
				pindex[q] = t->started_index[q];
				pstart[q] = now;
			}
			res->stall[1 + q] += t->stall >> q & 1;
		}
		if (t->f_request) {
			fpending = true;
			ffirst = t->f_first;
			fstart = now;
		}
		res->stall[0] += t->f_stall;
		res->dispatches += t->f_dispatch;
		half(s, 1);
		half(s, 0);
	}
	std::memcpy(res->error, m->error, sizeof res->error);
	res->dram_read = m->chan.bytes_read;
	res->dram_written = m->chan.bytes_written;
	res->dram_busy = m->chan.busy_cycles;
	if (vcd)
		vcd->close();
	cur = nullptr;
	return 0;
}

const rtl_abi abi = {RTL_ABI_VERSION, create, dram, run, destroy};

} // namespace

extern "C" const rtl_abi *tessel_rtl_abi(void) { return &abi; }
